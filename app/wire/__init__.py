"""Every shape clients see, declared once as pydantic models; parsing, validation, error
bodies and the OpenAPI schemas derive from them.

How to convert a family of operations (suppressions, transactionals and the token endpoint
are done this way; follow them):

1. **Models** in ``app/wire/<family>.py``: ``XIn`` (a create request), ``XPatch`` (a partial
   update: every field optional), ``XOut`` (what is answered), ``XPage`` (a list). SFMC shapes
   derive from ``SfmcModel`` (fields in snake_case, camelCase on the wire), Broadcast and RFC
   6749 shapes from ``BroadcastModel``. Every field gets a ``description`` (where its name
   does not say it all) and ``examples``. Unknown fields are ignored (``extra="ignore"``).
2. **Validation and messages** live on the model: constraints (``max_length``, ``ge``,
   ``Literal``), and validators that raise ``errors.refuse(kind, message)`` with today's exact
   message. Per field, ``error_codes`` gives the SFMC errorcode (e.g. ``{"content":
   109106}``), ``error_messages`` one fixed message for any failure, ``error_names`` the name
   errors report it under; ``not_an_object`` the message for a body that is not an object.
   Validators that need the time read ``info.context["now"]`` (the endpoint passes it).
3. **The operation**: declare it with ``app.api.endpoint.endpoint(...)`` next to the handler
   (see that module); the handler receives the parsed model and calls one service function
   with it. Delete the family's hand validators in ``services/`` and its hand entries in
   ``app/api/openapi.py`` (schemas and operations).
4. **Prove sameness first**: before changing code, add table tests of bad inputs with their
   exact bodies (``tests/test_wire_bodies.py``) and run them on today's code.

Error bodies come from one conversion (``errors.parse`` / ``errors.convert``), per family:
SFMC ``{message, errorcode, documentation}``, Broadcast ``{"errors": {field: [...]}}`` naming
every failing field, RFC 6749 ``{error, error_description}``.
"""

from app.wire.base import BroadcastModel, SfmcModel, WireModel
from app.wire.errors import BROADCAST, OAUTH, SFMC, parse, parse_many, refuse

__all__ = [
    "BROADCAST",
    "OAUTH",
    "SFMC",
    "BroadcastModel",
    "SfmcModel",
    "WireModel",
    "parse",
    "parse_many",
    "refuse",
]
