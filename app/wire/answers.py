"""What the SFMC message operations answer: a send's 202 (or 400 when no recipient could be
queued), a message's status, and the NotSent feed. The handlers render these as plain dicts
(``Accepted.to_wire``, ``status``: a model costs ~6 µs a recipient on the hot path); the models
describe them for the document and the contract check, which refuses a field they do not name."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from app.wire.base import SfmcModel

_REQUEST_ID = Field(
    description="This request's id", examples=["7c0f4f8e-8d7a-4f55-9a31-2b1d5e0f1a2b"]
)


class SendEntry(SfmcModel):
    """One recipient's answer: its messageKey, and errorcode/message when it was not queued."""

    message_key: Any = Field(
        None, description="The recipient's messageKey as sent, or the one generated (absent for "
        "a recipient that is not an object)", examples=["order-A-1"],
    )  # fmt: skip
    errorcode: int | None = Field(None, description="Why it was not queued", examples=[None])
    message: str | None = Field(None, examples=[None])


class SendAccepted(SfmcModel):
    """202: at least one recipient was queued (``errorcode`` 109001 when some were not)."""

    request_id: str = _REQUEST_ID
    errorcode: int = Field(description="0, or 109001 when some failed", examples=[0])
    responses: list[SendEntry]
    message: str | None = Field(
        None, examples=["MCMS_UTM_ResponsesHasErrors: 1 subscribers failed to queue out of 2"]
    )


class SendRefused(SfmcModel):
    """400: the request is malformed, or no recipient could be queued (then the first one's
    error, with ``requestId`` and every recipient's answer)."""

    message: str = Field(examples=["MCMS_UTM_Validation_InvalidValue_to: to must be a mobile "
                                   "number with country code"])  # fmt: skip
    errorcode: int = Field(examples=[109121])
    documentation: str = Field(examples=[""])
    request_id: str | None = Field(None, examples=["7c0f4f8e-8d7a-4f55-9a31-2b1d5e0f1a2b"])
    responses: list[SendEntry] | None = None


class StatusInfo(SfmcModel):
    message_key: str = Field(examples=["order-A-1"])
    contact_key: str = Field(examples=["cust-42"])
    to: str = Field(examples=["ana@example.com"])
    message_id: str = Field(description="Tidings' id (extension; names it in /inbound reports)",
                            examples=["0b5c7a4e-3f0e-4a8e-9a51-1f1f6a0d2c11"])  # fmt: skip
    provider_id: str | None = Field(
        None, description="The Message-ID header or the SMS gateway's id (extension)",
        examples=["<20240321090000.1@tidings>"],
    )  # fmt: skip
    status_code: int | None = Field(None, description="The NotSent code", examples=[None])
    status_message: str | None = Field(None, examples=[None])
    reason: str | None = Field(None, examples=[None])
    bounced: bool | None = Field(None, description="Bounced after it was sent (extension)",
                                 examples=[None])  # fmt: skip
    bounce: dict[str, Any] | None = Field(
        None, description="The bounce event's own fields (extension)", examples=[None]
    )


class MessageStatus(SfmcModel):
    """``GET …/messages/{messageKey}``: queued, sent or not sent (and bounced)."""

    request_id: str = _REQUEST_ID
    timestamp: str = Field(description="SFMC time of the last change",
                           examples=["2024-03-21T03:00:00"])  # fmt: skip
    event_category_type: str = Field(
        description="TransactionalSendEvents.EmailSent / EmailNotSent / EmailQueued (SMS: "
        "SMSSent, …)", examples=["TransactionalSendEvents.EmailSent"],
    )  # fmt: skip
    composite_id: str | None = Field(None, examples=["def-id.1.message-id"])
    info: StatusInfo | None = None


class NotSentInfo(SfmcModel):
    message_key: str | None = Field(examples=["order-A-1"])
    contact_key: str | None = Field(examples=["cust-42"])
    to: str | None = Field(examples=["ana@example.com"])
    reason: str | None = Field(examples=["The address is on the suppression list"])


class NotSentEvent(SfmcModel):
    event_id: int = Field(alias="eventID", examples=[41])
    event_category_type: str = Field(examples=["TransactionalSendEvents.EmailNotSent"])
    timestamp: str = Field(examples=["2024-03-21T03:00:00"])
    definition_key: str | None = Field(examples=["order-confirm"])
    status_code: int = Field(examples=[9])
    status_message: str = Field(examples=["Suppressed"])
    info: NotSentInfo


class NotSentFeed(SfmcModel):
    """``GET …/messages?type=notSent``: NotSent events after ``lastEventId``, oldest first."""

    last_event_id: int = Field(alias="lastEventID", description="Pass as lastEventId next",
                               examples=[41])  # fmt: skip
    count: int = Field(examples=[1])
    messages: list[NotSentEvent]
