"""ENS subscriptions: which event types (and filters) go to which callback."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    JsonValue,
    StrictBool,
    StrictStr,
    model_validator,
)
from pydantic.config import JsonDict

from app.wire import events
from app.wire.base import SfmcModel
from app.wire.callbacks import Name
from app.wire.delivery import given

_ID = "8f14e45f-ceea-467a-9a36-dedd4bea2543"
_SUB = "5a105e8b-9d40-4132-9780-d62ea2265d8a"


event_types = events.canonical_types
_filters = events.parse_filters


def _status(raw: Any) -> str:
    if not isinstance(raw, str) or raw.lower() not in ("active", "paused"):
        raise ValueError("not a status")
    return raw.lower()


_SPELLINGS: list[JsonValue] = [*events.SPELLINGS]
EventTypes = Annotated[
    list[str],
    BeforeValidator(event_types),
    Field(
        min_length=1,
        description="Event types, with or without the TransactionalSendEvents. prefix",
        examples=[["TransactionalSendEvents.EmailSent", "EmailBounced"]],
        json_schema_extra={"items": {"type": "string", "enum": _SPELLINGS}},
    ),
]
_FILTER: JsonDict = {
    "type": "string",
    "pattern": r"^\s*(" + "|".join(events.FILTER_NAMES) + r")\s*[=:]\s*\S",
}
Filters = Annotated[
    list[str],
    BeforeValidator(_filters),
    Field(
        description="name=value (or name:value), name one of "
        + ", ".join(events.FILTER_NAMES)
        + "; blank entries are dropped",
        examples=[["definitionKey=order-confirm"]],
        json_schema_extra={"items": _FILTER},
    ),
]
_ERRORS: dict[str, str | tuple[str, str]] = {
    "subscription_name": "subscriptionName is required: a string of 1-200 characters",
    "callback_id": "callbackId is required",
    "subscription_id": "subscriptionId is required",
    "buffer_while_paused": "bufferWhilePaused must be true or false",
    "status": "status must be active or paused",
    "status_reason": "statusReason must be a string of at most 500 characters",
}
_CODES = dict.fromkeys([*_ERRORS, "event_category_types", "filters"], 10001)
_BUFFER = "While paused, keep the events and send them on resume (else they are dropped)"


class SubscriptionIn(SfmcModel):
    """One subscription to create (``POST /platform/v1/ens-subscriptions`` takes an array);
    its callback must be verified."""

    error_messages = _ERRORS
    error_codes = _CODES
    item_name = "subscription"

    subscription_name: Name = Field(description="Unique in the account", examples=["orders"])
    callback_id: StrictStr = Field(examples=[_ID])
    event_category_types: EventTypes

    @model_validator(mode="before")
    @classmethod
    def _types_named(cls, raw: Any) -> Any:
        """Leaving the types out is refused in the words used for a wrong value."""
        return {"eventCategoryTypes": None} | raw if isinstance(raw, dict) else raw

    filters: Filters = []
    buffer_while_paused: StrictBool = Field(False, description=_BUFFER, examples=[False])


class SubscriptionPatch(SfmcModel):
    """One subscription to change (``PUT /platform/v1/ens-subscriptions`` takes an array): the
    fields given change; ``status`` pauses or resumes it."""

    error_messages = _ERRORS
    error_codes = _CODES
    item_name = "subscription"

    subscription_id: StrictStr = Field(examples=[_SUB])
    subscription_name: Annotated[Name | None, AfterValidator(given)] = Field(
        None, examples=["orders"]
    )
    event_category_types: Annotated[list[str] | None, BeforeValidator(event_types)] = Field(
        None, description="Replaces the types", examples=[["TransactionalSendEvents.EmailSent"]],
        json_schema_extra={"items": {"type": "string", "enum": _SPELLINGS}},
    )  # fmt: skip
    filters: Annotated[list[str] | None, BeforeValidator(_filters)] = Field(
        None, description="Replaces the filters (null: none)",
        examples=[["definitionKey=order-confirm"]], json_schema_extra={"items": _FILTER},
    )  # fmt: skip
    status: Annotated[
        Literal["active", "paused"] | None, BeforeValidator(_status)
    ] = Field(None, description="Case is ignored", examples=["paused"])  # fmt: skip
    status_reason: Annotated[StrictStr | None, AfterValidator(given)] = Field(
        None, max_length=500, description="Why it is paused", examples=["receiver maintenance"]
    )
    buffer_while_paused: Annotated[StrictBool | None, AfterValidator(given)] = Field(
        None, description=_BUFFER, examples=[True]
    )

    def changes(self) -> dict[str, Any]:
        """The fields the request sets, by Python name (``filters: null`` clears them)."""
        return {name: getattr(self, name) for name in self.model_fields_set - {"subscription_id"}}


class SubscriptionOut(SfmcModel):
    """A subscription, with its callback's fields (as SFMC answers)."""

    callback_id: str = Field(examples=[_ID])
    callback_name: str = Field(examples=["orders"])
    url: str = Field(examples=["https://hooks.example.com/tidings"])
    max_batch_size: int = Field(examples=[1000])
    subscription_id: str = Field(examples=[_SUB])
    subscription_name: str = Field(examples=["orders"])
    event_category_types: list[str] = Field(examples=[["TransactionalSendEvents.EmailSent"]])
    filters: list[str] = Field(examples=[["definitionKey=order-confirm"]])
    status: str = Field(examples=["active"], json_schema_extra={"enum": ["active", "paused"]})
    status_reason: str = Field(examples=[""])
    buffer_while_paused: bool = Field(examples=[False])
