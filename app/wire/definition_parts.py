"""The sections of an SFMC send definition (content, subscriptions, options) and the checks
they share with the definition: each failure names its field as SFMC does."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from app.errors import Invalid
from app.wire import validate
from app.wire.base import SfmcModel
from app.wire.errors import refuse

MISSING, INVALID = "MCMS_UTM_Validation_MissingRequiredField", "MCMS_UTM_Validation_InvalidValue"
NO_KEYWORD = "MCMS_UTM_Validation_MissingRequiredField_keyword: keyword is required"


def missing(field: str) -> Exception:
    return refuse("missing", f"{MISSING}: {field} is required", code=10002)


def bad(field: str, why: str) -> Exception:
    return refuse("invalid", f"{INVALID}: {field} {why}", code=10005)


def text(field: str) -> BeforeValidator:
    def check(value: Any) -> Any:
        if not value:
            return ""
        if not isinstance(value, str):
            raise bad(field, "must be a string")
        return value

    return BeforeValidator(check)


def section(field: str) -> BeforeValidator:
    def check(value: Any) -> Any:
        if not value:
            return {}
        if not isinstance(value, dict):
            raise bad(field, "must be an object")
        return value

    return BeforeValidator(check)


def _flag(name: str) -> BeforeValidator:
    def check(value: Any) -> Any:
        if not isinstance(value, bool):
            raise bad(name, "must be true or false")
        return value

    return BeforeValidator(check)


def default_text(field: str, default: str) -> BeforeValidator:
    """Absent or empty: ``default``; otherwise a string (before, any value was kept)."""

    def check(value: Any) -> Any:
        if not value:
            return default
        if not isinstance(value, str):
            raise bad(field, "must be a string")
        return value

    return BeforeValidator(check)


def _stringified(value: Any) -> Any:
    return str(value) if value else None


def _addresses(field: str) -> BeforeValidator:
    """Addresses in their normal form (``validate.email_address``), or %%Attribute%%
    placeholders filled in at send."""

    def check(value: Any) -> Any:
        value = value or []
        if not isinstance(value, list):
            raise bad(field, "must be an array of email addresses")
        try:
            return [a if isinstance(a, str) and a.startswith("%%") else
                    validate.email_address(a) for a in value]  # fmt: skip
        except Invalid:
            raise bad(field, "must be an array of email addresses") from None

    return BeforeValidator(check)


def _from_address(value: Any) -> Any:
    if value is None:
        return value
    try:
        return validate.email_address(value)
    except Invalid:
        raise bad("options.fromAddress", "must be an email address") from None


def _from_name(value: Any) -> Any:
    if value is not None and not validate.is_single_line(value):
        raise bad("options.fromName", "must be one line, without line breaks or control characters")
    return value


def _content_key(value: Any) -> Any:
    if not isinstance(value, str) or not value:
        raise missing("content.customerKey")
    return value


def _message(value: Any) -> Any:
    if not isinstance(value, str) or not value:
        raise missing("content.message")
    return value


def _short_code(value: Any) -> Any:
    if not isinstance(value, str | int) or not str(value).strip():
        raise missing("subscriptions.shortCode")
    return str(value)


def _keyword(value: Any) -> Any:
    if value is None or value == "":
        raise refuse("missing", NO_KEYWORD, code=109120)
    if not isinstance(value, str):
        raise refuse("invalid", "MCMS_UTM_Validation_InvalidValue_keyword: keyword must be a "
                     "string", code=109115)  # fmt: skip
    return value


_AUTO_ADD = Field(True, description="Add the recipient to the contacts", examples=[True])
_UPDATE = Field(True, description="Update the contact's attributes", examples=[True])


class EmailContent(SfmcModel):
    customer_key: Annotated[str, BeforeValidator(_content_key)] = Field(
        description="The content asset's customerKey", examples=["order-confirm-content"]
    )


class EmailSubscriptions(SfmcModel):
    list: Annotated[str, default_text("subscriptions.list", "All Subscribers")] = Field(
        "All Subscribers",
        description="The list contacts are added to",
        examples=["All Subscribers"],
    )
    auto_add_subscriber: Annotated[bool, _flag("autoAddSubscriber")] = _AUTO_ADD
    update_subscriber: Annotated[bool, _flag("updateSubscriber")] = _UPDATE
    data_extension: Annotated[str | None, BeforeValidator(_stringified)] = Field(
        None, examples=[None], description="Kept and shown; Tidings sends without it"
    )


class EmailOptions(SfmcModel):
    track_links: Annotated[bool, _flag("trackLinks")] = Field(True, examples=[True])
    cc: Annotated[list[str], _addresses("options.cc")] = Field(
        default_factory=list, description="Addresses, or %%attribute%% placeholders",
        examples=[["audit@example.com"]],
    )  # fmt: skip
    bcc: Annotated[list[str], _addresses("options.bcc")] = Field(
        default_factory=list, examples=[["%%ManagerEmail%%"]]
    )
    from_address: Annotated[str | None, BeforeValidator(_from_address)] = Field(
        None, description="The From address (default: TIDINGS_SMTP_FROM)",
        examples=["orders@example.com"], json_schema_extra={"format": "email"},
    )  # fmt: skip
    from_name: Annotated[str | None, BeforeValidator(_from_name)] = Field(
        None, description="The From display name (one line)", examples=["Example Shop"]
    )


class SmsContent(SfmcModel):
    message: Annotated[str, BeforeValidator(_message)] = Field(
        description="The text, with %%attribute%% placeholders", examples=["Your code is %%Code%%"]
    )


class SmsSubscriptions(SfmcModel):
    short_code: Annotated[str, BeforeValidator(_short_code)] = Field(
        description="The sending short code or number (a string or a number)",
        examples=["4915112345678"],
    )  # fmt: skip
    keyword: Annotated[str, BeforeValidator(_keyword)] = Field(examples=["CODE"])
    auto_add_subscriber: Annotated[bool, _flag("autoAddSubscriber")] = _AUTO_ADD
    update_subscriber: Annotated[bool, _flag("updateSubscriber")] = _UPDATE
    country_code: Annotated[str | None, BeforeValidator(_stringified)] = Field(
        None, description="The region of numbers given without one", examples=["US"]
    )
