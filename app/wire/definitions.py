"""SFMC email and SMS send definitions: the create request, the merge-patch, and the views.

Every message names its field the way SFMC's Transactional Messaging API does
(``MCMS_UTM_Validation_MissingRequiredField: name is required``, errorcode 10002; a wrong value
10005; an SMS keyword 109115/109120)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema

from app.wire.base import SfmcModel
from app.wire.definition_parts import (
    INVALID,
    MISSING,
    NO_KEYWORD,
    EmailContent,
    EmailOptions,
    EmailSubscriptions,
    SmsContent,
    SmsSubscriptions,
    bad,
    default_text,
    missing,
    section,
    text,
)

__all__ = ["INVALID", "EmailContent", "EmailOptions", "EmailSubscriptions", "SmsContent",
           "SmsSubscriptions"]  # fmt: skip
_STATUSES = {"active": "Active", "inactive": "Inactive"}


def _required(field: str, *, strip: bool = False) -> BeforeValidator:
    def check(value: Any) -> Any:
        if not isinstance(value, str) or not value.strip():
            raise missing(field)
        if len(value) > 200:
            raise bad("definitionKey", "and name must be at most 200 characters")
        return value.strip() if strip else value

    return BeforeValidator(check)


def _status(value: Any) -> str:
    if value is None:
        return "Active"
    if not isinstance(value, str) or value.lower() not in _STATUSES:
        raise bad("status", "must be Active or Inactive (DELETE archives a definition)")
    return _STATUSES[value.lower()]


class _DefinitionIn(SfmcModel):
    not_an_object = "The request body must be a JSON object"
    not_an_object_code = 10001
    error_messages = {
        "name": f"{MISSING}: name is required",
        "definition_key": f"{MISSING}: definitionKey is required",
    }
    error_codes = {"name": 10002, "definition_key": 10002}

    name: Annotated[str, _required("name", strip=True)] = Field(
        max_length=200, description="Unique in the account (stored trimmed)",
        examples=["Order confirmation"],
    )  # fmt: skip
    definition_key: Annotated[str, _required("definitionKey")] = Field(
        max_length=200, description="The key sends name", examples=["order-confirm"]
    )
    description: Annotated[str, text("description")] = Field("", examples=["Sent per order"])
    status: Annotated[Literal["Active", "Inactive"], BeforeValidator(_status)] = Field(
        "Active", description="Inactive holds sends in the queue (case-insensitive)",
        examples=["Active"],
    )  # fmt: skip


class EmailDefinitionIn(_DefinitionIn):
    """``POST /messaging/v1/email/definitions``."""

    error_messages = _DefinitionIn.error_messages | {
        "content": f"{MISSING}: content.customerKey is required"
    }
    error_codes = _DefinitionIn.error_codes | {"content": 10002}

    content: Annotated[EmailContent, section("content")] = Field(
        examples=[{"customerKey": "order-confirm-content"}]
    )
    subscriptions: Annotated[EmailSubscriptions, section("subscriptions")] = Field(
        default=EmailSubscriptions.model_validate({}), examples=[{"list": "All Subscribers"}]
    )
    options: Annotated[EmailOptions, section("options")] = Field(
        default=EmailOptions.model_validate({}), examples=[{"trackLinks": False}]
    )
    classification: Annotated[str, default_text("classification", "Default Transactional")] = Field(
        "Default Transactional", examples=["Default Transactional"]
    )


class SmsDefinitionIn(_DefinitionIn):
    """``POST /messaging/v1/sms/definitions``."""

    error_messages = _DefinitionIn.error_messages | {
        "content": f"{MISSING}: content.message is required",
        "subscriptions": f"{MISSING}: subscriptions.shortCode is required",
        "subscriptions.keyword": NO_KEYWORD,
    }
    error_codes = _DefinitionIn.error_codes | {
        "content": 10002, "subscriptions": 10002, "subscriptions.keyword": 109120,
    }  # fmt: skip

    content: Annotated[SmsContent, section("content")] = Field(
        examples=[{"message": "Your code is %%Code%%"}]
    )
    subscriptions: Annotated[SmsSubscriptions, section("subscriptions")] = Field(
        examples=[{"shortCode": "4915112345678", "keyword": "CODE"}]
    )


_MERGED = "Merged into the definition's own; the result is checked as on create"
MergedText = Annotated[Any, WithJsonSchema({"type": "string", "description": _MERGED})]
MergedObject = Annotated[Any, WithJsonSchema({"type": "object", "description": _MERGED})]


class DefinitionPatch(SfmcModel):
    """``PATCH …/definitions/{key}``: a merge-patch (objects merge one level deep); the merged
    definition is validated as a new one would be, with the same messages."""

    not_an_object = "The request body must be a JSON object"
    not_an_object_code = 10001

    name: MergedText = Field(None, examples=["Order confirmation v2"])
    definition_key: MergedText = Field(None, examples=["order-confirm"])
    description: MergedText = Field(None, examples=["Sent per order"])
    status: MergedText = Field(None, examples=["Inactive"])
    classification: MergedText = Field(None, examples=["Default Transactional"])
    content: MergedObject = Field(None, examples=[{"customerKey": "order-v2-content"}])
    subscriptions: MergedObject = Field(None, examples=[{"autoAddSubscriber": False}])
    options: MergedObject = Field(None, examples=[{"trackLinks": False}])


_REQUEST_ID = Field(
    description="This request's id", examples=["7c0f4f8e-8d7a-4f55-9a31-2b1d5e0f1a2b"]
)
_CREATED = Field(description="SFMC time (UTC-6, no zone)", examples=["2024-03-21T03:00:00"])


class DefinitionSummary(SfmcModel):
    definition_key: str = Field(examples=["order-confirm"])
    definition_id: str = Field(examples=["0b5c7a4e-3f0e-4a8e-9a51-1f1f6a0d2c11"])
    name: str = Field(examples=["Order confirmation"])
    status: str = Field(description="Active, Inactive or Deleted", examples=["Active"])
    created_date: str = _CREATED
    modified_date: str = _CREATED


class _DefinitionOut(DefinitionSummary):
    request_id: str = _REQUEST_ID
    description: str = Field(examples=[""])


class EmailDefinitionOut(_DefinitionOut):
    """An email send definition."""

    content: EmailContent
    subscriptions: EmailSubscriptions
    classification: str = Field(examples=["Default Transactional"])
    options: EmailOptions


class SmsDefinitionOut(_DefinitionOut):
    """An SMS send definition."""

    content: SmsContent
    subscriptions: SmsSubscriptions


class DefinitionPage(SfmcModel):
    """``GET …/definitions``: one page of summaries."""

    request_id: str = _REQUEST_ID
    definitions: list[DefinitionSummary]
    count: int = Field(description="Definitions on this page", examples=[1])
    page: int = Field(examples=[1])
    page_size: int = Field(examples=[50])


class DefinitionDeleted(SfmcModel):
    message: str = Field(examples=["Success"])
    request_id: str = _REQUEST_ID
    deleted_definition_key: str = Field(
        description="The key it is archived under (the old key is free again)",
        examples=["order-confirm-deleted-1a2b3c4d"],
    )


class QueueCount(SfmcModel):
    request_id: str = _REQUEST_ID
    count: int = Field(description="Sends held while the definition is inactive", examples=[0])
    age_seconds: int = Field(description="Age of the oldest held send", examples=[0])


class Queued(SfmcModel):
    request_id: str = _REQUEST_ID
    message: str = Field(examples=["Queued"])


IN: dict[str, type[EmailDefinitionIn] | type[SmsDefinitionIn]] = {
    "email": EmailDefinitionIn,
    "sms": SmsDefinitionIn,
}
OUT = {"email": EmailDefinitionOut, "sms": SmsDefinitionOut}
