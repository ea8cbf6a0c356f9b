"""Suppression list entries: the operator's request and the entries it lists."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from app.errors import Invalid
from app.wire import validate
from app.wire.base import SfmcModel
from app.wire.errors import refuse

NOT_AN_ADDRESS = "is not an email address or an E.164 phone number"


def normalise_address(address: Any) -> str:
    """The form addresses are stored and compared in: an email address in its normal form
    (``validate.email_address``) lower-cased, or a phone number's E.164 digits."""
    try:
        return validate.email_address(address).lower()
    except Invalid:
        pass
    try:
        return validate.phone_number(address)
    except Invalid:
        raise refuse("format", NOT_AN_ADDRESS) from None


class SuppressionIn(SfmcModel):
    """``POST /api/v1/suppressions``: adding an address twice keeps the first entry."""

    error_messages = {
        "address": NOT_AN_ADDRESS,
        "reason": "must be a string of at most 500 characters",
    }

    address: Annotated[str, BeforeValidator(normalise_address)] = Field(
        description="An email address (stored lower-cased) or an E.164 phone number (stored "
        "as digits)",
        examples=["ana@example.com", "+1 555 555 0199"],
        json_schema_extra={"anyOf": [{"format": "email"}, {"pattern": r"^\+?[0-9]{7,15}$"}]},
    )
    reason: str = Field(
        "added by operator", max_length=500, description="Why it is suppressed",
        examples=["asked us to stop"],
    )  # fmt: skip


class SuppressionOut(SfmcModel):
    """An address the account does not send to."""

    address: str = Field(description="Lower-cased email, or phone digits",
                         examples=["ana@example.com"])  # fmt: skip
    reason: str = Field(examples=["hard bounce 5.1.1"])
    source: str = Field(description="bounce or operator", examples=["bounce"])
    event_id: str | None = Field(
        description="The bounce event that added it (None: the operator did)", examples=[None]
    )
    message_id: str | None = Field(
        description="The message whose bounce added it (None: the operator did); its story is"
        " at /platform/v1/messages/{messageId}", examples=["0b6f6a0e-3c1f-4d52-9b3e-5d0f2f8f1a11"],
    )  # fmt: skip
    created_date: str = Field(examples=["2024-03-21T09:00:00Z"])


class SuppressionPage(SfmcModel):
    """``GET /api/v1/suppressions``: one page, or the one entry for ``?address=``."""

    page: int = Field(examples=[1])
    page_size: int = Field(examples=[50])
    count: int = Field(description="Entries in all pages", examples=[1])
    items: list[SuppressionOut]
