"""The console's message search and a message's story: the query, the page, the timeline."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from app.wire import vocabulary
from app.wire.base import SfmcModel
from app.wire.errors import refuse
from app.wire.operations import _TIME, _time

_ID = "0b6f6a0e-3c1f-4d52-9b3e-5d0f2f8f1a11"
_AT = "2024-03-21T09:00:00.000Z"
_EVENT = "5e0c2a4e-7e0b-4d1e-8d0a-2b3c4d5e6f70"
STATUSES = [s.value for s in vocabulary.MessageState]


def _query_time(raw: Any, name: str) -> int | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 16:
        raw = int(raw)  # a query string carries epoch milliseconds as text
    return _time(raw, name)


def encode_cursor(created_at: int, message_id: str) -> str:
    """The position after a page's last message, opaque to clients."""
    return base64.urlsafe_b64encode(f"{created_at}:{message_id}".encode()).decode().rstrip("=")


class MessageQuery(SfmcModel):
    """``GET /platform/v1/messages``: every filter is optional; all given must match."""

    error_codes = dict.fromkeys(
        ["recipient", "message_key", "definition_key", "status", "channel", "since", "until",
         "cursor", "limit"], 10005,
    )  # fmt: skip

    recipient: str | None = Field(
        None, max_length=320, description="Exact address or phone number (email: any casing)",
        examples=["ana@example.com"],
    )  # fmt: skip
    message_key: str | None = Field(
        None, max_length=400, description="Any casing", examples=["order-A-1001"]
    )
    definition_key: str | None = Field(
        None, max_length=400, description="Any casing", examples=["order-confirm"]
    )
    status: vocabulary.MessageState | None = Field(None, examples=["bounced"])
    channel: vocabulary.Channel | None = Field(None, examples=["email"])
    since: int | None = Field(
        None, alias="from", description="Created at or after: ISO 8601 (UTC) or epoch ms",
        examples=["2024-03-21T00:00:00Z"], json_schema_extra=_TIME,
    )  # fmt: skip
    until: int | None = Field(
        None, alias="to", description="Created before: ISO 8601 (UTC) or epoch ms",
        examples=["2024-03-22T00:00:00Z"], json_schema_extra=_TIME,
    )  # fmt: skip
    cursor: tuple[int, str] | None = Field(
        None, description="nextCursor of the previous page", examples=["MTcxMTAxMTYwMDAwMDpi"],
        json_schema_extra={"type": "string", "pattern": "^[A-Za-z0-9_-]*$", "maxLength": 400},
    )  # fmt: skip
    limit: int = Field(50, ge=1, le=200, examples=[50])

    @field_validator("recipient", "message_key", "definition_key", mode="before")
    @classmethod
    def _text(cls, raw: Any) -> Any:
        return None if raw == "" else raw

    @field_validator("status", "channel", mode="before")
    @classmethod
    def _word(cls, raw: Any, info: ValidationInfo) -> Any:
        known = STATUSES if info.field_name == "status" else [c.value for c in vocabulary.Channel]
        if raw in (None, ""):
            return None
        if raw not in known:
            name = info.field_name
            raise refuse("format", f"{name} must be one of {', '.join(known)}")
        return raw

    @field_validator("since", mode="before")
    @classmethod
    def _since(cls, raw: Any) -> int | None:
        return _query_time(raw, "from")

    @field_validator("until", mode="before")
    @classmethod
    def _until(cls, raw: Any, info: ValidationInfo) -> int | None:
        until = _query_time(raw, "to")
        since = info.data.get("since")
        if until is not None and since is not None and until <= since:
            raise refuse("order", "to must be after from")
        return until

    @field_validator("cursor", mode="before")
    @classmethod
    def _cursor(cls, raw: Any) -> tuple[int, str] | None:
        if raw in (None, ""):
            return None
        try:
            text = base64.urlsafe_b64decode(str(raw) + "=" * (-len(str(raw)) % 4)).decode()
            at, _, message_id = text.partition(":")
            if at.isascii() and at.isdigit() and len(at) <= 16 and message_id:
                return int(at), message_id
        except (binascii.Error, UnicodeError, ValueError):
            pass
        raise refuse("format", "cursor must be the nextCursor of an earlier page")


class MessageSummary(SfmcModel):
    """One message as a search lists it."""

    id: str = Field(description="Tidings' id of the message (opaque)", examples=[_ID])
    channel: vocabulary.Channel = Field(examples=["email"])
    message_key: str = Field(examples=["order-A-1001"])
    definition_key: str | None = Field(description="None: a Broadcast-style send",
                                       examples=["order-confirm"])  # fmt: skip
    recipient: str = Field(examples=["ana@example.com"])
    subject: str | None = Field(description="Email: the rendered subject (None until rendered)",
                                examples=["Your order"])  # fmt: skip
    text: str | None = Field(description="SMS: the start of the rendered text",
                             examples=[None])  # fmt: skip
    status: vocabulary.MessageState = Field(examples=["sent"])
    status_code: int | None = Field(description="The NotSent code, if any", examples=[None])
    status_reason: str | None = Field(description="Why not sent or bounced; a retry's cause",
                                      examples=[None])  # fmt: skip
    created_at: str = Field(description="Accepted", examples=[_AT])
    updated_at: str = Field(examples=["2024-03-21T09:00:00.120Z"])


class MessagePage(SfmcModel):
    """``GET /platform/v1/messages``: newest first."""

    items: list[MessageSummary]
    next_cursor: str | None = Field(description="None: this is the last page",
                                    examples=["MTcxMTAxMTYwMDAwMDpi"])  # fmt: skip


class AcceptedStep(SfmcModel):
    at: str = Field(examples=[_AT])
    kind: Literal["accepted"]
    detail: str = Field(examples=["request 3f2a…"])


class QueuedStep(SfmcModel):
    at: str = Field(examples=[_AT])
    kind: Literal["queued"]
    detail: str = Field(description="For the sender, until a time, or held",
                        examples=["for the sender"])  # fmt: skip


class HandedStep(SfmcModel):
    at: str = Field(examples=["2024-03-21T09:00:00.080Z"])
    kind: Literal["handedToProvider"]
    answer: str | None = Field(description="The relay's or gateway's answer (None: not kept)",
                               examples=["250 2.0.0 Ok: queued as 4F1A2B"])  # fmt: skip
    provider_id: str | None = Field(description="Message-ID sent, or the gateway's id",
                                    examples=["<0b6f…@tidings.localhost>"])  # fmt: skip


class EventStep(SfmcModel):
    at: str = Field(examples=["2024-03-21T09:00:00.081Z"])
    kind: Literal["event"]
    event_id: str = Field(examples=[_EVENT])
    type: str = Field(examples=["TransactionalSendEvents.EmailBounced"])
    reason: str | None = Field(examples=["HARD bounce 5.1.1 at hand-over: 550 5.1.1 …"])
    status_code: str | None = Field(description="NotSent code, or SMS receipt code",
                                    examples=["5"])  # fmt: skip
    bounce_code: str | None = Field(description="HARD or SOFT", examples=["HARD"])
    smtp_reason: str | None = Field(examples=["5.1.1"])


class AttemptStep(SfmcModel):
    at: str = Field(examples=["2024-03-21T09:00:00.090Z"])
    kind: Literal["attempt"]
    attempt_id: int = Field(examples=[4711])
    event_id: str = Field(description="The message's event the batch carried",
                          examples=[_EVENT])  # fmt: skip
    callback_id: str = Field(examples=["8f14e45f-ceea-467a-9a36-dedd4bea2543"])
    callback_name: str | None = Field(description="None: the callback was deleted",
                                      examples=["orders"])  # fmt: skip
    batch_id: str = Field(description="Also the webhook-id header", examples=["msg_2b1f…"])
    status_code: int | None = Field(description="None: no HTTP answer", examples=[200])
    ok: bool = Field(examples=[True])
    latency_ms: int = Field(examples=[12])
    error_class: str | None = Field(examples=[None])
    response_excerpt: str | None = Field(examples=["ok"])


Step = Annotated[
    AcceptedStep | QueuedStep | HandedStep | EventStep | AttemptStep, Field(discriminator="kind")
]


class MessageContent(SfmcModel):
    """What was rendered and handed over (None before the sender rendered it)."""

    subject: str | None = Field(examples=["Your order"])
    from_: str | None = Field(alias="from", examples=["Shop <shop@example.com>"])
    to: str = Field(examples=["Ana <ana@example.com>"])
    headers: dict[str, str] = Field(examples=[{"Subject": "Your order"}])
    text: str | None = Field(examples=["Thank you for your order."])
    has_html: bool = Field(description="The HTML is at …/html", examples=[True])


class MessageDetail(MessageSummary):
    """``GET /platform/v1/messages/{message_id}``: the summary, what happened, the content."""

    timeline: list[Step] = Field(description="Oldest first")
    content: MessageContent | None
    events: list[dict[str, Any]] = Field(
        description="The message's events as webhooks carry them (see /platform/v1/event-types)",
        examples=[[]],
    )
