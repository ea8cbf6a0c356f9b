"""One conversion from a model's validation errors to each API family's error body.

``parse(Model, raw, family=...)`` returns the model or raises the domain error that
``app.api.errors`` renders in the family's shape:

- ``SFMC``: the first failing field, as ``Invalid(message, code=Model.error_codes[field])``
  (``{message, errorcode, documentation}``, 400).
- ``BROADCAST``: every failing field, as ``InvalidFields`` (``{"errors": {field: [...]}}``,
  422), in Rails' order: wrong types first, then blanks, lengths, and formats.
- ``OAUTH``: the first failing field as an RFC 6749 ``OAuthError``.

A validator states its exact message by raising ``PydanticCustomError(kind, message)``; for
``OAUTH`` the ``kind`` is the RFC 6749 error code. Pydantic's own errors (a wrong type, a
missing field, a length) are phrased by ``_PHRASES`` unless the model's ``error_messages``
gives the field one fixed message.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from app.errors import Invalid, InvalidFields, OAuthError
from app.wire.base import WireModel

SFMC, BROADCAST, OAUTH = "sfmc", "broadcast", "oauth"
M = TypeVar("M", bound=WireModel)

_BLANK = "can't be blank"
# Pydantic's error types in the words Rails (and so Broadcast) uses.
_PHRASES = {
    "missing": _BLANK,
    "string_too_short": _BLANK,
    "string_too_long": "is too long (maximum is {max_length} characters)",
}
# The order Rails reports in: a value of the wrong type, then blanks, lengths, formats.
_RANK = {"blank": 1, "missing": 1, "string_too_short": 1, "string_too_long": 2}
_TYPE_ERROR_RANK = 0
_FORMAT_RANK = 3
# 6749 section 5.2: the codes a validator may name as its error kind.
OAUTH_ERRORS = frozenset(
    {"invalid_request", "invalid_client", "invalid_grant", "unsupported_grant_type",
     "invalid_scope"}
)  # fmt: skip


def parse(model: type[M], raw: Any, *, family: str, context: dict[str, Any] | None = None) -> M:
    """``raw`` (parsed JSON or a form) as ``model``, or the family's domain error."""
    if not isinstance(raw, dict):
        raise _not_an_object(model, family)
    try:
        return model.model_validate(raw, context=context)
    except ValidationError as exc:
        raise convert(model, exc, family) from exc


def parse_many(
    model: type[M], raw: Any, *, family: str, context: dict[str, Any] | None = None
) -> list[M]:
    """An ENS body: an array of 1 to ``model.most_per_request`` objects (or one bare object),
    each as ``model``; the first failing item's first failing field is the error."""
    items = [raw] if isinstance(raw, dict) else raw
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise Invalid(f"Request body must be an array of {model.item_name} objects", code=10001)
    if len(items) > model.most_per_request:
        raise Invalid(
            f"At most {model.most_per_request} {model.item_name}s per request", code=10001
        )
    return [parse(model, item, family=family, context=context) for item in items]


def convert(model: type[WireModel], exc: ValidationError, family: str) -> Invalid | OAuthError:
    """The domain error that carries ``exc`` in ``family``'s shape."""
    problems = exc.errors(include_url=False, include_input=False)
    if family == BROADCAST:
        return InvalidFields(_every_field(model, problems))
    detail = problems[0]
    field, wire_name = _python_name(model, _field(detail)), _wire_field(model, detail)
    if family == OAUTH:
        return _oauth(model, field, detail)
    path = _path(detail)
    code = _code(model, field, path, detail)
    message = _message(model, field, detail, prefix=wire_name, path=path)
    return Invalid(message, code=code, field=wire_name)


def _code(model: type[WireModel], field: str, path: str, detail: ErrorDetails) -> int:
    """A validator's own code, else the model's for the dotted ``path``, then the field."""
    if _is_custom(detail) and "code" in detail["ctx"]:
        return int(detail["ctx"]["code"])
    return model.error_codes.get(path, model.error_codes.get(field, 10000))


def _path(detail: ErrorDetails) -> str:
    """The failing value's dotted wire path (``subscriptions.keyword``)."""
    return ".".join(str(part) for part in detail["loc"]) or "base"


def _every_field(model: type[WireModel], problems: list[ErrorDetails]) -> dict[str, list[str]]:
    ranked = sorted(enumerate(problems), key=lambda pair: (_rank(pair[1]), pair[0]))
    fields: dict[str, list[str]] = {}
    for _, detail in ranked:
        field = _python_name(model, _field(detail))
        name = model.error_names.get(field, _wire_field(model, detail))
        message = _message(model, field, detail, prefix=None)
        if message not in fields.setdefault(name, []):
            fields[name].append(message)
    return fields


def _rank(detail: ErrorDetails) -> int:
    kind = detail["type"]
    if kind in _RANK:
        return _RANK[kind]
    return _TYPE_ERROR_RANK if kind.endswith("_type") or kind.endswith("_parsing") else (
        _FORMAT_RANK)  # fmt: skip


def _message(
    model: type[WireModel],
    field: str,
    detail: ErrorDetails,
    *,
    prefix: str | None,
    path: str | None = None,
) -> str:
    """A validator's own message, the fixed one of the dotted ``path`` or of the field, or
    pydantic's phrased (SFMC messages start with the field's wire ``prefix``; Broadcast's do
    not)."""
    if _is_custom(detail):
        return detail["msg"]
    fixed = model.error_messages.get(path or field, model.error_messages.get(field))
    if isinstance(fixed, str):
        return fixed
    phrase = _PHRASES.get(detail["type"])
    if phrase is not None:
        text = phrase.format(**detail.get("ctx", {}))
    else:
        text = "is invalid" if prefix is None else detail["msg"].lower()
    return text if prefix is None else f"{prefix} {text}"


def _oauth(model: type[WireModel], field: str, detail: ErrorDetails) -> OAuthError:
    if _is_custom(detail) and detail["type"] in OAUTH_ERRORS:
        return OAuthError(detail["type"], detail["msg"])
    fixed = model.error_messages.get(field)
    if isinstance(fixed, tuple):
        return OAuthError(*fixed)
    return OAuthError("invalid_request", f"{field}: {detail['msg']}")


def _not_an_object(model: type[WireModel], family: str) -> Invalid | OAuthError:
    if family == OAUTH:
        return OAuthError("invalid_request", model.not_an_object)
    if family == BROADCAST:
        return InvalidFields({"base": [model.not_an_object]})
    return Invalid(model.not_an_object, code=model.not_an_object_code)


def _python_name(model: type[WireModel], wire_name: str) -> str:
    """The field's Python name (the key of ``error_codes`` and the others) for its wire name."""
    for name, info in model.model_fields.items():
        if wire_name in (name, info.alias):
            return name
    return wire_name


def _field(detail: ErrorDetails) -> str:
    return str(detail["loc"][0]) if detail["loc"] else "base"


def _wire_field(model: type[WireModel], detail: ErrorDetails) -> str:
    """The failing field as clients spell it (a default that fails validation is reported
    under its Python name; clients know only the alias)."""
    name = _field(detail)
    info = model.model_fields.get(name)
    return info.alias if info is not None and info.alias else name


def _is_custom(detail: ErrorDetails) -> bool:
    """A validator's own ``PydanticCustomError`` (its message is the one to send)."""
    return "ctx" in detail and detail["ctx"].get("custom") is True


def refuse(kind: str, message: str, *, code: int | None = None) -> PydanticCustomError:
    """The error a validator raises to send ``message`` as written (``kind``: an RFC 6749
    error code, or a word naming the check, such as ``blank`` or ``format``; ``code``: the
    SFMC errorcode, where it is not the field's)."""
    context: dict[str, Any] = {"custom": True}
    if code is not None:
        context["code"] = code
    return PydanticCustomError(kind, message, context)
