"""The webhook event payload, declared once per type, and the event catalog built from it.

``services/webhooks/fanout.to_wire`` writes these payloads; tests check every event it writes
against the schema here, so the catalog cannot drift from what receivers get.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel, Field

from app.wire import vocabulary
from app.wire.base import SfmcModel

_Outcome, _Channel = vocabulary.Outcome, vocabulary.Channel


class EventInfo(SfmcModel):
    """Every event's ``info``: whom the message went to."""

    to: str = Field(description="The recipient: email address or phone digits",
                    examples=["ana@example.com"])  # fmt: skip
    subscriber_key: str = Field(description="The send's contactKey", examples=["ana-1"])
    message_key: str = Field(examples=["order-A-1001"])


class EmailSentEventInfo(EventInfo):
    status: str = Field(examples=["Sent"])
    rendered_subject: str = Field(examples=["Your order A-1001"])


class NotSentEventInfo(EventInfo):
    reason: str = Field(examples=["The address is on the account's suppression list"])
    status_code: str = Field(description="The SFMC NotSent code", examples=["27"])
    status_message: str = Field(examples=["SuppressionListExclusion"])


class EmailBouncedEventInfo(EventInfo):
    """A bounce refused at hand-over also carries the NotSent fields (reason, statusCode,
    statusMessage) the status API shows for it."""

    bounce_code: vocabulary.BounceClass = Field(examples=["HARD"])
    bounce_message: str = Field(examples=["550 5.1.1 <ana@example.com>: User unknown"])
    smtp_reason: str = Field(description="RFC 3463 enhanced status code", examples=["5.1.1"])
    reason: str | None = Field(None, examples=["HARD bounce 5.1.1 at hand-over: 550 5.1.1 …"])
    status_code: str | None = Field(None, examples=["5"])
    status_message: str | None = Field(None, examples=["InvalidEmailAddress"])


class SmsReceiptEventInfo(EventInfo):
    ordinal: int = Field(examples=[0])
    status_code: str = Field(description="The receipt's status code", examples=["4000"])
    status_message: str = Field(examples=["Delivered"])
    from_address: str = Field(examples=[""])
    country_code: str = Field(examples=[""])


InfoT = TypeVar("InfoT", bound=EventInfo)


class EventPayload(SfmcModel, Generic[InfoT]):
    """One event in a webhook batch (SFMC ENS shape, plus a stable ``eventId``)."""

    event_category_type: str = Field(examples=["TransactionalSendEvents.EmailSent"])
    timestamp_utc: int = Field(alias="timestampUTC", description="Epoch milliseconds",
                               examples=[1711011600000])  # fmt: skip
    composite_id: str = Field(description="definitionId (or NA).mid.message id",
                              examples=["NA.1.0b6f6a0e"])  # fmt: skip
    definition_key: str | None = Field(examples=["order-confirm"])
    definition_id: str | None = Field(examples=[None])
    mid: int = Field(description="The account", examples=[1])
    eid: int = Field(description="The account", examples=[1])
    info: InfoT
    event_id: str = Field(description="Stable across retries and replays: de-duplicate on it",
                          examples=["5e0c2a4e-7e0b-4d1e-8d0a-2b3c4d5e6f70"])  # fmt: skip


def info_model(event_type: vocabulary.EventType) -> type[EventInfo]:
    """The ``info`` an event of this type carries."""
    if event_type.outcome == _Outcome.NOT_SENT:
        return NotSentEventInfo
    if event_type.channel == _Channel.EMAIL:
        return EmailSentEventInfo if event_type.outcome == _Outcome.SENT else EmailBouncedEventInfo
    return EventInfo if event_type.outcome == _Outcome.SENT else SmsReceiptEventInfo


def payload_model(event_type: vocabulary.EventType) -> type[BaseModel]:
    """The model of one webhook event of this type."""
    return cast("type[BaseModel]", EventPayload[info_model(event_type)])  # type: ignore[misc]


def example_of(model: type[BaseModel]) -> dict[str, Any]:
    """A payload made of each field's first example (nested models too)."""
    example: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            value: Any = example_of(annotation)
        else:
            value = (field.examples or [None])[0]
        example[field.alias or name] = value
    return example


class EventTypeOut(SfmcModel):
    """One event type: what it means, its payload's JSON Schema and an example payload."""

    type: str = Field(
        description="The full ENS name", examples=["TransactionalSendEvents.EmailSent"]
    )
    short: str = Field(description="As subscriptions may name it", examples=["EmailSent"])
    channel: vocabulary.Channel = Field(examples=["email"])
    outcome: vocabulary.Outcome = Field(examples=["Sent"])
    description: str = Field(examples=[vocabulary.MEANING[vocabulary.EventType.EMAIL_SENT]])
    filters: list[str] = Field(description="The info fields a subscription may filter on",
                               examples=[["definitionKey"]])  # fmt: skip
    schema_: dict[str, Any] = Field(alias="schema", description="JSON Schema of one event",
                                    examples=[{"type": "object"}])  # fmt: skip
    example: dict[str, Any] = Field(examples=[{"eventCategoryType": "…"}])


class EventCatalog(SfmcModel):
    """``GET /platform/v1/event-types``: every event type webhooks carry."""

    items: list[EventTypeOut]
