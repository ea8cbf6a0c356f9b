"""Broadcast's transactional email: the send request, the email object and its page.

What Broadcast accepts (its API page, seeds/003): ``to``, ``subject`` and ``body``; the other
request fields are the object's own (``recipient_name``, ``preheader``) and Tidings'
extensions (``reply_to``, ``queue_at``). ``to_name`` and ``subscriber_id`` are not request
fields: an unknown field is ignored, as Rails does, and the subscriber is found by address.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo

from app import clock
from app.errors import Invalid
from app.wire import validate
from app.wire.base import BroadcastModel
from app.wire.errors import refuse

MAX_SCHEDULE_S = 365 * 86400


def _empty_if_none(value: Any) -> Any:
    return "" if value is None else value


def _stripped(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _present(value: str) -> str:
    if not value.strip():
        raise refuse("blank", "can't be blank")
    return value


def _email_or_empty(value: str) -> str:
    """The address in its normal form (``validate.email_address``), or empty."""
    if not value:
        return value
    try:
        return validate.email_address(value)
    except Invalid:
        raise refuse("format", "is invalid") from None


def _schedule(value: str, info: ValidationInfo) -> str:
    """ISO 8601 (a time without a zone is UTC), at most a year ahead of ``context["now"]``."""
    if not value:
        return value
    try:
        at = clock.parse_iso_ms(value)
    except ValueError:
        raise refuse("format", "is not a valid ISO 8601 time") from None
    now = (info.context or {}).get("now")
    if now is not None and at - now > MAX_SCHEDULE_S * 1000:
        raise refuse("format", "is more than 365 days ahead")
    return value


Text = Annotated[str, BeforeValidator(_stripped), BeforeValidator(_empty_if_none)]
RawText = Annotated[str, BeforeValidator(_empty_if_none)]  # the body keeps its whitespace


class TransactionalIn(BroadcastModel):
    """``POST /api/v1/transactionals.json``, as JSON or a form."""

    error_names = {"to": "recipient_email"}
    not_an_object = "request body must be a JSON object or a form"

    to: Annotated[Text, AfterValidator(_present), AfterValidator(_email_or_empty)] = Field(
        description="The recipient's email address (required)",
        examples=["ana@example.com"], json_schema_extra={"format": "email"},
    )  # fmt: skip
    subject: Annotated[Text, AfterValidator(_present)] = Field(
        max_length=998, description="Subject line (required; one line)",
        examples=["Welcome to Our Service"],
    )  # fmt: skip
    body: Annotated[RawText, AfterValidator(_present)] = Field(
        max_length=512 * 1024, examples=["Thank you for signing up!"],
        description="Plain text or HTML (required); wrapped in html and body tags when it "
        "has none",
    )  # fmt: skip
    recipient_name: Text = Field(
        "", max_length=255, description="The recipient's display name", examples=["Ana Lima"]
    )
    preheader: Text = Field(
        "", max_length=255, description="Preview text shown by mail clients",
        examples=["Welcome to our amazing service"],
    )  # fmt: skip
    reply_to: Annotated[Text, AfterValidator(_email_or_empty)] = Field(
        "", description="Reply-To address (extension)", examples=["help@example.com"]
    )
    queue_at: Annotated[Text, AfterValidator(_schedule)] = Field(
        "", examples=["2024-03-21T10:00:00Z"],
        description="When to send, ISO 8601 (no zone: UTC); absent or past: now; at most 365 "
        "days ahead (extension)",
    )  # fmt: skip


class TransactionalOut(BroadcastModel):
    """A transactional email as Broadcast shows it, with Tidings' status extensions."""

    id: str = Field(description="The email's id", examples=["0b5c7a4e-3f0e-4a8e-9a51-1f1f6a0d2c11"])
    recipient_email: str = Field(examples=["ana@example.com"])
    recipient_name: str | None = Field(None, examples=["Ana Lima"])
    subject: str = Field(examples=["Welcome to Our Service"])
    body: str = Field(examples=["Thank you for signing up!"])
    preheader: str | None = Field(None, examples=["Welcome to our amazing service"])
    reply_to: str | None = Field(None, description="Reply-To (extension)", examples=[None])
    queue_at: str = Field(description="When it was (or is) due", examples=["2024-03-21T10:00:00Z"])
    sent_at: str | None = Field(description="When the relay accepted it", examples=[None])
    created_at: str = Field(examples=["2024-03-21T09:00:00Z"])
    updated_at: str = Field(examples=["2024-03-21T09:00:00Z"])
    status_url: str = Field(
        description="This object's URL",
        examples=["https://tidings.example.com/api/v1/transactionals/123.json"],
    )
    status: str = Field(
        description="queued, sent, not_sent or bounced (extension)", examples=["queued"]
    )
    status_reason: str | None = Field(
        None, description="Why it was not sent or bounced (extension)", examples=[None]
    )
    subscriber_id: str | None = Field(
        None, description="The contact key of the subscriber with this address (extension)",
        examples=[None],
    )  # fmt: skip


class TransactionalPagination(BroadcastModel):
    page: int = Field(description="This page, from 1", examples=[1])
    per_page: int = Field(description="Emails per page", examples=[50])
    total: int = Field(description="Emails in all pages", examples=[1])
    total_pages: int = Field(description="Number of pages", examples=[1])


class TransactionalPage(BroadcastModel):
    """``GET /api/v1/transactionals.json`` (an extension): newest first."""

    transactionals: list[TransactionalOut]
    pagination: TransactionalPagination
