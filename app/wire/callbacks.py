"""ENS callbacks: registration, update, verification and key rotation, and what is answered."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field, StrictInt, StrictStr

from app.wire import vocabulary
from app.wire.base import SfmcModel
from app.wire.delivery import DeliveryOptions, DeliveryOptionsPatch, given

_NAME = "is required: a string of 1-200 characters"


def _name(value: str) -> str:
    """1-200 characters (counted as given), stored without surrounding blanks."""
    if not value.strip() or len(value) > 200:
        raise ValueError("blank or too long")
    return value.strip()


def _url(value: str) -> str:
    if not value.strip() or len(value) > 2000:
        raise ValueError("blank or too long")
    return value.strip()


Name = Annotated[
    StrictStr,
    AfterValidator(_name),
    Field(min_length=1, max_length=200, json_schema_extra={"pattern": r"\S"}),
]
Url = Annotated[
    StrictStr,
    AfterValidator(_url),
    Field(max_length=2000, json_schema_extra={"pattern": r"^\s*https?://\S"}),
]
BatchSize = Annotated[StrictInt, Field(ge=1, le=1000)]

_ERRORS: dict[str, str | tuple[str, str]] = {
    "url": "url is required",
    "callback_name": "callbackName " + _NAME,
    "max_batch_size": "maxBatchSize must be an integer from 1 to 1000",
    **DeliveryOptions.error_messages,
    "callback_id": "callbackId is required",
}
_ID = "8f14e45f-ceea-467a-9a36-dedd4bea2543"
_HOOK = "https://hooks.example.com/tidings"
_URL_DOC = "Where batches are POSTed: https (or http to a host name)"
_BATCH_DOC = "Events per POST"
_PUBLIC_DOC = "signatureScheme ed25519: the public key that verifies its v1a signatures"
_WHPK = "whpk_MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE="


class _CallbackFields(SfmcModel):
    url: Url = Field(description=_URL_DOC, examples=[_HOOK], json_schema_extra={"format": "uri"})
    callback_name: Name = Field(examples=["orders"])
    max_batch_size: BatchSize = Field(1000, description=_BATCH_DOC, examples=[100])


class CallbackIn(DeliveryOptions, _CallbackFields):
    """One callback to register (``POST /platform/v1/ens-callbacks`` takes an array of them);
    each is probed with its verification key. Its delivery options are ``DeliveryOptions``'."""

    error_messages = _ERRORS
    error_codes = dict.fromkeys(_ERRORS, 10001)
    item_name = "callback"


class _PatchFields(SfmcModel):
    callback_id: StrictStr = Field(examples=[_ID])
    url: Any = Field(None, description="Only the callback's own URL (it cannot change)",
                     examples=[_HOOK])  # fmt: skip
    callback_name: Annotated[Name | None, AfterValidator(given)] = Field(None, examples=["orders"])
    max_batch_size: Annotated[BatchSize | None, AfterValidator(given)] = Field(
        None, description=_BATCH_DOC, examples=[100]
    )


class CallbackPatch(DeliveryOptionsPatch, _PatchFields):  # type: ignore[misc,valid-type]
    """One callback to change (``PUT /platform/v1/ens-callbacks`` takes an array): the fields
    given change (``null`` is refused); the URL cannot (register a new callback)."""

    error_messages = _ERRORS
    error_codes = dict.fromkeys(_ERRORS, 10001)
    item_name = "callback"

    def changes(self) -> dict[str, Any]:
        """The fields the request sets, by Python name (the id and URL are not changes)."""
        return {
            name: getattr(self, name) for name in self.model_fields_set - {"callback_id", "url"}
        }


class VerifyIn(SfmcModel):
    """``POST /platform/v1/ens-verify``: the probe's body, sent back."""

    not_an_object = "Request body must be an object with callbackId and verificationKey"
    error_messages = dict.fromkeys(
        ("callback_id", "verification_key"), "callbackId and verificationKey are required"
    )
    error_codes = dict.fromkeys(("callback_id", "verification_key"), 10001)

    callback_id: StrictStr = Field(examples=[_ID])
    verification_key: StrictStr = Field(
        description="From the probe; good for 4 hours, once", examples=["q3Jx0cQm1rP8YvB2"]
    )


class RegenerateIn(SfmcModel):
    """``PUT /platform/v1/ens-regenerate``: rotate this callback's signing key."""

    not_an_object = "callbackId is required"
    not_an_object_code = 10001
    error_messages = {"callback_id": "callbackId is required"}
    error_codes = {"callback_id": 10001}

    callback_id: StrictStr = Field(examples=[_ID])


class _CallbackState(SfmcModel):
    callback_id: str = Field(examples=[_ID])
    callback_name: str = Field(examples=["orders"])
    url: str = Field(examples=[_HOOK])
    max_batch_size: int = Field(examples=[1000])
    status: vocabulary.CallbackStatus = Field(examples=["verified"])
    status_reason: str = Field(
        description="none, awaiting ens-verify, or why it was disabled", examples=["none"]
    )


class CallbackOut(DeliveryOptions, _CallbackState):
    """A registered callback with its delivery options (never its signing key)."""

    public_key: str | None = Field(None, description=_PUBLIC_DOC, examples=[_WHPK])


class CallbackCreated(CallbackOut):
    """A new callback with its signing key: shown here, once."""

    signature_key: str = Field(
        description="Base64 of 32 random bytes", examples=["3q2+7w8c0bq6o0m4Yp0k9Yj6f2m6u9Q="]
    )


class KeyRotated(SfmcModel):
    """The new signing key, shown once; the previous one still signs until the time given."""

    callback_name: str = Field(examples=["orders"])
    callback_id: str = Field(examples=[_ID])
    url: str = Field(examples=[_HOOK])
    signature_key: str = Field(examples=["3q2+7w8c0bq6o0m4Yp0k9Yj6f2m6u9Q="])
    previous_key_valid_until: str | None = Field(
        description="None: TIDINGS_WEBHOOK_KEY_GRACE_S is 0", examples=["2024-03-22T09:00:00.000Z"]
    )
    public_key: str | None = Field(None, description=_PUBLIC_DOC, examples=[_WHPK])


class Probed(SfmcModel):
    """A new verification probe was answered with a 2xx."""

    callback_id: str = Field(examples=[_ID])
    probed: bool = Field(examples=[True])
    status_code: int = Field(examples=[200])


class Empty(SfmcModel):
    """``{}``: done."""
