"""One declaration per operation: ``@endpoint(...)`` next to its handler.

The declaration is the one place an operation's method, path, accepted scopes, request
model, responses and error family are written. From the registry it fills, ``routes.py``
builds the route table (``endpoint.routes(module)``), the auth check is applied here (the
first scope is named in 403s; any one of ``scopes`` is enough), the body is parsed into the
request model with the family's error conversion (``app.wire.errors``), and
``app/api/openapi.py`` builds the operation and its schemas.

Converting a handler (see ``app/api/suppressions.py``)::

    @endpoint("POST", "/api/v1/suppressions", scopes=("email_write", "transactional_write"),
              request=wire.suppressions.SuppressionIn,
              responses={201: SuppressionOut, 200: SuppressionOut}, errors=wire.BROADCAST,
              summary="Suppress an address", tags=("Suppressions",), statuses=(422,))
    async def add(request: Request, body: SuppressionIn) -> Response:
        ...  # one service call with ``body``, then render

- ``scopes``: every scope the operation accepts; ``()`` any authenticated caller; ``None`` no
  authentication (the token endpoint).
- ``request``: the body model; the handler then takes it as its second argument. ``form``:
  a urlencoded form is accepted too. ``before(request, raw)`` runs on the raw object before
  validation (the token endpoint's rate limit, which must count malformed requests too).
- ``responses``: status → model (or ``list[Model]``, or None for no body). ``statuses``: the
  error statuses beyond those implied (401/403/429 by auth, 400/413 by a body, 404 by a path
  parameter, 503 always). ``query``: query parameters, for the document.
- ``aliases``: further paths served by the same handler and left out of the document.
- ``many``: the body is an array of ``request`` objects (ENS: at most
  ``request.most_per_request``, a bare object taken as one); the handler gets a list.
- ``security``: with ``scopes=None``, the document's security scheme for an operation that
  checks its own credential: the inbound token, the metrics token. ``check(request)``:
  awaited before the body is read (that credential; or a path's resource that must exist
  before its body is looked at). ``raw``: further content types taken as they are (the handler
  gets ``None`` for them and reads the bytes itself), documented as a string body.
- A query model (the stats range): ``query=query_of(Model)`` documents it, and the handler
  reads it with ``parse_query(request, Model)`` (the family's error conversion).

Then remove the operation's hand entry (and its schemas) from ``app/api/openapi.py`` and its
``Route`` from ``routes.py``; ``tests/test_openapi.py`` checks that the document's request
fields and scopes equal the declaration's.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app import wire
from app.api import auth
from app.api.http import read_json, read_json_or_form, runtime
from app.errors import Invalid, OAuthError
from app.wire.base import WireModel

Handler = Callable[[Request], Awaitable[Response]]
Before = Callable[[Request, dict[str, Any]], None]
M = TypeVar("M", bound=WireModel)
Check = Callable[[Request], Awaitable[None]]


@dataclasses.dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    handler: Handler  # authenticated, parsing: what the route calls
    module: str
    scopes: tuple[str, ...] | None
    request: type[WireModel] | None
    responses: dict[int, Any]
    errors: str
    summary: str
    tags: tuple[str, ...]
    statuses: tuple[int, ...] = ()
    query: dict[str, Any] = dataclasses.field(default_factory=dict)
    form: bool = False
    aliases: tuple[str, ...] = ()
    many: bool = False
    security: str | None = None
    raw: tuple[str, ...] = ()


REGISTRY: list[Endpoint] = []


def endpoint(
    method: str,
    path: str,
    *,
    scopes: tuple[str, ...] | None,
    responses: dict[int, Any],
    errors: str,
    summary: str,
    tags: tuple[str, ...],
    request: type[WireModel] | None = None,
    statuses: tuple[int, ...] = (),
    query: dict[str, Any] | None = None,
    form: bool = False,
    aliases: tuple[str, ...] = (),
    before: Before | None = None,
    many: bool = False,
    security: str | None = None,
    check: Check | None = None,
    raw: tuple[str, ...] = (),
) -> Callable[[Callable[..., Awaitable[Response]]], Handler]:
    """Register the operation and return its route handler (see the module docstring)."""
    reading = _Reading(errors, form, before, many, raw)

    def register(handler: Callable[..., Awaitable[Response]]) -> Handler:
        served = _parsing(handler, request, reading) if request else handler
        if check is not None:
            served = _checked(served, check)
        if scopes is not None:
            served = auth.requires(*(scopes or (None,)))(served)
        REGISTRY.append(
            Endpoint(
                method, path, served, handler.__module__, scopes, request, responses, errors,
                summary, tags, statuses, query or {}, form, aliases, many, security, raw,
            )
        )  # fmt: skip
        return served

    return register


@dataclasses.dataclass(frozen=True)
class _Reading:
    family: str
    form: bool
    before: Before | None
    many: bool
    raw: tuple[str, ...]


def _checked(handler: Handler, check: Check) -> Handler:
    @functools.wraps(handler)
    async def checked(request: Request) -> Response:
        await check(request)
        return await handler(request)

    return checked


def _parsing(
    handler: Callable[..., Awaitable[Response]], model: type[WireModel], reading: _Reading
) -> Handler:
    read = read_json_or_form if reading.form else read_json
    family = reading.family
    assert len(inspect.signature(handler).parameters) == 2, "handler(request, body)"

    @functools.wraps(handler)
    async def parsed(request: Request) -> Response:
        if reading.raw and not request.headers.get("content-type", "").startswith(
            "application/json"
        ):
            return await handler(request, None)  # the handler reads the bytes
        try:
            raw = await read(request)
        except Invalid as exc:
            if family == wire.OAUTH:
                raise OAuthError("invalid_request", exc.message) from exc
            raise
        if reading.before is not None and isinstance(raw, dict):
            reading.before(request, raw)
        context = {"now": runtime(request).now()}
        if reading.many:
            items = wire.parse_many(model, raw, family=family, context=context)
            return await handler(request, items)
        return await handler(request, wire.parse(model, raw, family=family, context=context))

    return parsed


def parse_query(request: Request, model: type[M]) -> M:
    """The query string as ``model`` (SFMC's error conversion; under /api/v1 that is a 400
    ``{"errors": {parameter: [...]}}``)."""
    context = {"now": runtime(request).now()}
    return wire.parse(model, dict(request.query_params), family=wire.SFMC, context=context)


def query_of(model: type[WireModel]) -> dict[str, Any]:
    """``model``'s fields as the ``query`` of a declaration (their JSON Schema)."""
    properties = model.model_json_schema(by_alias=True)["properties"]
    return {name: _plain(schema) for name, schema in properties.items()}


def _plain(schema: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if k not in ("title", "default") or v is not None}


def routes(module: Any) -> list[Route]:
    """The routes of the operations declared in ``module``, in declaration order."""
    found = []
    for op in REGISTRY:
        if op.module == module.__name__:
            found.append(Route(op.path, op.handler, methods=[op.method]))
            found += [
                Route(alias, op.handler, methods=[op.method], include_in_schema=False)
                for alias in op.aliases
            ]
    return found
