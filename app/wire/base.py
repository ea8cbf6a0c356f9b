"""The two base models every wire shape derives from: SFMC camelCase and snake_case."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class WireModel(BaseModel):
    """Fields clients send that a model does not declare are ignored, as SFMC and Rails do:
    client libraries send extra fields in practice, and refusing them would break them.

    Error reporting is declared with the model, so each fact lives here:
    ``error_names`` renames a field in error bodies (Broadcast reports ``to`` as
    ``recipient_email``); ``error_messages`` gives one fixed message per field for any of its
    failures (a str, or for RFC 6749 an ``(error, description)`` pair); ``error_codes`` gives
    the SFMC ``errorcode`` per field (or dotted path, ``subscriptions.keyword``; a validator may
    name its own with ``refuse(..., code=)``); ``not_an_object`` is the message when the body is
    not a JSON object (or a form), ``not_an_object_code`` its SFMC ``errorcode``.
    """

    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)

    error_names: ClassVar[dict[str, str]] = {}
    error_messages: ClassVar[dict[str, str | tuple[str, str]]] = {}
    error_codes: ClassVar[dict[str, int]] = {}
    not_an_object: ClassVar[str] = "Request body must be a JSON object"
    not_an_object_code: ClassVar[int] = 10000  # its SFMC errorcode
    # An ENS body is an array of these (a bare object is taken as one); ``item_name`` names
    # them in the errors for a body that is not one.
    item_name: ClassVar[str] = "item"
    most_per_request: ClassVar[int] = 10


class SfmcModel(WireModel):
    """SFMC's wire: camelCase names (``definitionKey``); Python code uses snake_case."""

    model_config = ConfigDict(alias_generator=to_camel, serialize_by_alias=True)


class BroadcastModel(WireModel):
    """Broadcast's (and RFC 6749's) wire: snake_case names, as written in Python."""
