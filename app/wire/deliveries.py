"""The deliveries log: attempt filters, one attempt with its request and response, batch replay."""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, ValidationInfo, field_validator

from app.wire.base import SfmcModel
from app.wire.errors import refuse
from app.wire.operations import _ID, _TIME, AttemptOut, _time, digits_as_ms

_STATUS = re.compile(r"^(?:[1-5]xx|none|[1-5][0-9][0-9])$")
_STATUS_DOC = "A status code (404), a class (2xx, 4xx, 5xx) or none (no HTTP answer)"
_BODY = '[{"eventCategoryType":"TransactionalSendEvents.EmailSent","eventId":"…"}]'


class AttemptQuery(SfmcModel):
    """``GET …/attempts`` filters (with the paging parameters): each one left out means any."""

    error_codes = dict.fromkeys(("status_code", "error_class", "since", "until", "ok"), 10001)
    error_messages = {
        "status_code": "statusCode must be a status code, 1xx-5xx, or none",
        "error_class": "errorClass must be a string of at most 100 characters",
        "ok": "ok must be true or false",
    }

    status_code: str | None = Field(
        None,
        description=_STATUS_DOC,
        examples=["5xx"],
        json_schema_extra={"pattern": _STATUS.pattern},
    )
    error_class: str | None = Field(
        None, max_length=100, description="timeout, connect, tls, dns, reset, status…",
        examples=["timeout"],
    )  # fmt: skip
    since: int | None = Field(
        None, alias="from", description="Attempts at or after (ISO 8601 or epoch ms)",
        examples=["2024-03-21T09:00:00.000Z"], json_schema_extra=_TIME,
    )  # fmt: skip
    until: int | None = Field(
        None, alias="to", description="Attempts before (ISO 8601 or epoch ms)",
        examples=["2024-03-21T10:00:00.000Z"], json_schema_extra=_TIME,
    )  # fmt: skip
    ok: str | None = Field(
        None, description="true: accepted; false: failed", examples=["false"],
        json_schema_extra={"enum": ["true", "false"]},
    )  # fmt: skip

    @field_validator("status_code", mode="before")
    @classmethod
    def _status(cls, raw: Any) -> str | None:
        if raw is None:
            return None
        if not isinstance(raw, str) or not _STATUS.match(raw):
            raise refuse("format", "statusCode must be a status code, 1xx-5xx, or none")
        return raw

    @field_validator("since", "until", mode="before")
    @classmethod
    def _times(cls, raw: Any, info: ValidationInfo) -> int | None:
        if raw is None:
            return None
        name = "from" if info.field_name == "since" else "to"
        return _time(digits_as_ms(raw), name)

    @field_validator("ok", mode="before")
    @classmethod
    def _ok(cls, raw: Any) -> str | None:
        if raw is None or raw in ("true", "false"):
            return None if raw is None else str(raw)
        raise refuse("format", "ok must be true or false")

    def status_range(self) -> tuple[int | None, int | None, bool]:
        """(lowest, highest, no answer only) as the statusCode filter asks."""
        code = self.status_code
        if code is None:
            return None, None, False
        if code == "none":
            return None, None, True
        if code.endswith("xx"):
            return int(code[0]) * 100, int(code[0]) * 100 + 99, False
        return int(code), int(code), False


class AttemptRequest(SfmcModel):
    """The POST as it was sent: the signature headers, never a key."""

    url: str = Field(examples=["https://hooks.example.com/tidings"])
    method: str = Field(examples=["POST"])
    headers: dict[str, str] = Field(
        description="As sent; empty for attempts logged before Tidings kept them",
        examples=[{"webhook-id": "msg_2b7c…", "webhook-timestamp": "1711011600",
                   "webhook-signature": "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="}],
    )  # fmt: skip
    body: str | None = Field(
        description="The JSON batch, rendered again from the stored events (null: a test send,"
        " or the batch was purged after delivery)",
        examples=[_BODY],
    )


class AttemptResponse(SfmcModel):
    """What the receiver answered."""

    status_code: int | None = Field(description="None: no HTTP answer", examples=[500])
    excerpt: str | None = Field(description="The first 500 characters", examples=["oops"])


class AttemptDetail(AttemptOut):
    """``GET …/attempts/{attempt_id}``: the attempt, its request and the receiver's answer."""

    callback_id: str = Field(examples=[_ID])
    request: AttemptRequest
    response: AttemptResponse


class BatchReplayed(SfmcModel):
    """``POST …/attempts/{attempt_id}/replay``: the batch's events queued again (new batch,
    same event ids)."""

    callback_id: str = Field(examples=[_ID])
    attempt_id: int = Field(examples=[4711])
    queued: int = Field(examples=[25])
