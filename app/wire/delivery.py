"""A callback's delivery options (signing, headers, ordering): one declared model, one document.

``DeliveryOptions`` is the single place a delivery option is declared. The callback's request
and response shapes take their option fields from it (``CallbackIn`` inherits them, the patch
model is derived by ``patch_of``), storage keeps it as one JSON document in one column, and the
signer reads it. Adding an option is: a field here, its use in ``app/delivery/signing.py``, and
(only when it keeps state, like a key) its state in ``app/services/webhooks/options.py``.
"""

from __future__ import annotations

import functools
import re
from typing import Annotated, Any, ClassVar, Literal, TypeVar

import orjson
from pydantic import AfterValidator, Field, StrictBool, StrictStr, create_model

from app.wire import vocabulary
from app.wire.base import SfmcModel

T = TypeVar("T")
_ENCODING = "keyEncoding must be base64 (HMAC with the decoded key) or utf8"
_ENCODING_DOC = "How the signing key is used for HMAC: base64-decoded (SFMC) or its utf8 text"
_STRICT_DOC = "Deliver in order: a failing batch holds back the later ones"
_SFMC_DOC = "Send only SFMC's event fields (no Tidings extensions)"
_PROFILES_DOC = (
    "The signature headers sent: standard (webhook-id/-timestamp/-signature), sfmc"
    " (x-sfmc-ens-signature), github (X-Hub-Signature-256: sha256=<hex>, the secret being the"
    " signatureKey) and stripe (Stripe-Signature: t=…,v1=<hex>, the secret being"
    " whsec_<signatureKey>); any non-empty set"
)
_HEADERS_DOC = (
    "Static headers sent with every batch (a receiver's API key): stored encrypted, never"
    " logged, answered as *** after creation; at most 10, names other than the ones Tidings sets"
)
_RESERVED = ("webhook-", "x-sfmc-", "x-tidings-", "x-hub-signature", "stripe-signature",
             "content-", "host", "user-agent", "transfer-encoding", "connection")  # fmt: skip
Profile = Literal["standard", "sfmc", "github", "stripe"]
_TOKEN = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$")


def _profiles(value: list[str]) -> list[str]:
    if not value or len(set(value)) != len(value):
        raise ValueError("empty or repeated")
    return value


def _headers(value: dict[str, str]) -> dict[str, str]:
    if len(value) > 10:
        raise ValueError("too many")
    for name, text in value.items():
        # "signature" in a name would be kept in the attempts log (delivery/results.py).
        lowered = name.lower()
        if not _TOKEN.match(name) or lowered.startswith(_RESERVED) or "signature" in lowered:
            raise ValueError(f"{name!r} is not a header name Tidings lets a callback set")
        if len(text) > 1000 or any(c in text for c in "\r\n\x00"):
            raise ValueError("a value of at most 1000 characters on one line")
    return value


_SCHEME_DOC = (
    "The Standard Webhooks signature: hmac (v1, with the signing key) or ed25519 (v1a, with"
    " this callback's private key; verify with its publicKey, also published at"
    " /.well-known/webhook-keys)"
)


def given(value: T | None) -> T:
    """A field a patch may leave out but not set to null."""
    if value is None:
        raise ValueError("null")
    return value


class DeliveryOptions(SfmcModel):
    """How a callback's batches are signed and sent. Stored as one document (Python names)."""

    error_messages: ClassVar[dict[str, str | tuple[str, str]]] = {
        "key_encoding": _ENCODING,
        "strict_order": "strictOrder must be true or false",
        "sfmc_strict": "sfmcStrict must be true or false",
        "signature_scheme": "signatureScheme must be hmac or ed25519",
        "signature_profiles": "signatureProfiles must be a non-empty list of distinct profiles:"
        " standard, sfmc, github, stripe",
        "custom_headers": "customHeaders must be an object of at most 10 header names (not ones"
        " Tidings sets) to one-line string values of at most 1000 characters",
    }
    # Options answered only when they differ from their default: the callback bodies SFMC
    # clients know stay as they were.
    shown_when_set: ClassVar[tuple[str, ...]] = (
        "signature_scheme", "signature_profiles", "custom_headers"
    )  # fmt: skip
    # Secret values: sealed at rest (services/webhooks/options.py), answered as ``***``.
    sealed: ClassVar[tuple[str, ...]] = ("custom_headers",)

    key_encoding: vocabulary.KeyEncoding = Field(
        vocabulary.KeyEncoding.BASE64, description=_ENCODING_DOC, examples=["base64"]
    )
    strict_order: StrictBool = Field(False, description=_STRICT_DOC, examples=[False])
    sfmc_strict: StrictBool = Field(False, description=_SFMC_DOC, examples=[False])
    signature_scheme: Literal["hmac", "ed25519"] = Field(
        "hmac", description=_SCHEME_DOC, examples=["ed25519"]
    )
    signature_profiles: Annotated[list[Profile], AfterValidator(_profiles)] = Field(
        ["standard", "sfmc"], description=_PROFILES_DOC, examples=[["standard", "github"]]
    )
    custom_headers: Annotated[dict[StrictStr, StrictStr], AfterValidator(_headers)] = Field(
        {}, description=_HEADERS_DOC, examples=[{"X-Api-Key": "***"}]
    )

    @classmethod
    def of(cls, source: Any) -> DeliveryOptions:
        """The options among ``source``'s attributes (a ``CallbackIn``)."""
        return cls.model_validate({name: getattr(source, name) for name in cls.model_fields})

    @classmethod
    def load(cls, document: dict[str, Any]) -> DeliveryOptions:
        """From the stored document; options added since it was written take their defaults.
        Sealed values are taken as stored (they were checked before they were sealed).

        Read on every webhook POST, so parsed once per distinct document (the models are
        frozen, so one instance serves every caller)."""
        return _loaded(orjson.dumps(document, option=orjson.OPT_SORT_KEYS))

    @classmethod
    def _parse(cls, document: dict[str, Any]) -> DeliveryOptions:
        sealed = {name: document[name] for name in cls.sealed if name in document}
        plain = {name: value for name, value in document.items() if name not in sealed}
        return cls.model_validate(plain).model_copy(update=sealed)

    def document(self) -> dict[str, Any]:
        """The stored document: Python names, JSON values."""
        return self.model_dump(mode="json", by_alias=False)

    def wire(self) -> dict[str, Any]:
        """The response fields, by Python name (``shown_when_set`` ones only when set)."""
        fields = dict(self)
        for name in self.sealed:
            fields[name] = {key: "***" for key in fields[name]}
        for name in self.shown_when_set:
            if fields[name] == type(self).model_fields[name].default:
                del fields[name]
        return fields


@functools.lru_cache(maxsize=1024)
def _loaded(document: bytes) -> DeliveryOptions:
    return DeliveryOptions._parse(orjson.loads(document))


def patch_of(model: type[SfmcModel]) -> type[SfmcModel]:
    """``model`` with every field optional and not nullable: the fields a PUT may change."""
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        declared: Any = info.annotation
        if info.metadata:
            declared = Annotated[declared, *info.metadata]
        fields[name] = (
            Annotated[declared | None, AfterValidator(given)],
            Field(None, description=info.description, examples=info.examples),
        )
    return create_model(f"{model.__name__}Patch", __base__=SfmcModel, **fields)


DeliveryOptionsPatch = patch_of(DeliveryOptions)
