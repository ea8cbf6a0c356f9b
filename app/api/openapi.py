"""The OpenAPI 3.1 description of every route, served at ``GET /openapi.json``.

Every operation is declared with ``@endpoint`` (``app.api.endpoint``) and built from that
registry, with its models' JSON Schema (``app.wire``); only the error envelopes are written
here. All of it is kept true by tests:
``tests/test_openapi.py`` compares it with the routing table, and every response the test
suite receives is validated against it (``tests/conftest.py``); schemathesis fuzzes a live
server with it. Each family of routes has its own error body: the SFMC envelope, Broadcast's
``errors``/``error``, or RFC 6749's ``error`` on the token endpoint.
"""

from __future__ import annotations

import functools
import re
from typing import Any, get_args, get_origin

import orjson
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema
from starlette.requests import Request
from starlette.responses import Response

from app.api import endpoint

Schema = dict[str, Any]
SFMC, BROADCAST, OAUTH, PLAIN = "sfmc", "broadcast", "oauth", "plain"


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(required: dict[str, Schema], optional: dict[str, Schema] | None = None) -> Schema:
    """An object with these properties (further properties allowed: clients must ignore them)."""
    return {
        "type": "object",
        "required": list(required),
        "properties": required | (optional or {}),
    }


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


STR: Schema = {"type": "string"}
INT: Schema = {"type": "integer"}

SCHEMAS: dict[str, Schema] = {
    "SfmcError": obj({"message": STR, "errorcode": INT, "documentation": STR}),
    "BroadcastErrors": obj({"errors": {"type": "object", "additionalProperties": array(STR)}}),
    "BroadcastError": obj({"error": STR}),
    "OAuthError": obj({"error": STR}, {"error_description": STR}),
}


def _json(schema: Schema) -> Schema:
    return {"application/json": {"schema": schema}}


def _error_schema(family: str, status: int) -> Schema:
    if family == SFMC:
        return ref("SfmcError")
    if family == BROADCAST:
        if status in (400, 422):
            return {"oneOf": [ref("BroadcastErrors"), ref("BroadcastError")]}
        return ref("BroadcastError")
    if family == OAUTH:
        return {"oneOf": [ref("OAuthError"), ref("SfmcError")]}
    return {"oneOf": [ref("SfmcError"), ref("BroadcastError")]}


_ERROR_TEXT = {
    400: "Malformed request",
    401: "No credential, or an unknown, expired or revoked one",
    403: "The credential lacks the scope this route needs",
    404: "Not found for this account",
    405: "Method not allowed",
    409: "Conflict with the current state",
    413: "Body over TIDINGS_MAX_BODY_BYTES",
    422: "A field has a wrong value",
    429: "Rate limited: retry after Retry-After seconds",
    503: "The database is unavailable (down, locked, full): retry after Retry-After seconds",
}


def operation(
    method: str,
    path: str,
    summary: str,
    *,
    tag: str,
    family: str = SFMC,
    scope: str | None = None,
    security: str | None = "bearer",
    body: Schema | None = None,
    ok: dict[int, Schema | None],
    errors: tuple[int, ...] = (),
    query: dict[str, Schema] | None = None,
    form: bool = False,
) -> tuple[str, str, Schema]:
    """One operation. ``ok`` maps success statuses to a JSON schema (None: no JSON body)."""
    statuses = _statuses(path, security=security, scope=scope, body=body, query=query)
    op: Schema = {
        "operationId": re.sub(r"\W+", "_", f"{method} {path}").strip("_"),
        "summary": summary,
        "tags": [tag],
        "responses": _responses(ok, set(errors) | statuses, family),
    }
    if security is not None:
        op["security"] = _security(security, scope)
    params = _parameters(path, query or {})
    if params:
        op["parameters"] = params
    if body is not None:
        content = _json(body)
        if form:
            content["application/x-www-form-urlencoded"] = {"schema": body}
        op["requestBody"] = {"required": True, "content": content}
    return method.lower(), re.sub(r"\{(\w+):\w+\}", r"{\1}", path), op


def _statuses(
    path: str,
    *,
    security: str | None,
    scope: str | None,
    body: Schema | None,
    query: dict[str, Schema] | None,
) -> set[int]:
    """The error statuses any operation like this one can answer."""
    statuses = {503}
    if security is not None:
        statuses |= {401, 429} if security == "bearer" else {401}
        if scope is not None:
            statuses.add(403)
    if body is not None:
        statuses |= {400, 413}
    if query:
        statuses.add(400)
    if "{" in path:
        statuses.add(404)
    return statuses


def _responses(ok: dict[int, Schema | None], statuses: set[int], family: str) -> Schema:
    responses: dict[str, Schema] = {
        str(code): {"description": "Success"} | ({"content": _json(schema)} if schema else {})
        for code, schema in ok.items()
    }
    for code in sorted(statuses - set(ok)):
        answer: Schema = {
            "description": _ERROR_TEXT[code],
            "content": _json(_error_schema(family, code)),
        }
        if code in (429, 503):
            answer["headers"] = {"Retry-After": {"schema": INT}}
        responses[str(code)] = answer
    return responses


def _security(security: str, scope: str | None) -> list[Schema]:
    if security == "bearer":
        return [{"bearer": [scope] if scope else []}]
    # metricsToken: {}, no token needed unless one is configured
    return [{}, {security: []}] if security == "metricsToken" else [{security: []}]


def _parameters(path: str, query: dict[str, Schema]) -> list[Schema]:
    params = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": INT if kind == "int" else {"type": "string", "minLength": 1},
        }
        for name, kind in re.findall(r"\{(\w+)(?::(\w+))?\}", path)
    ]
    return params + [
        {"name": name, "in": "query", "required": False, "schema": schema}
        for name, schema in query.items()
    ]


def _registered() -> tuple[list[tuple[str, str, Schema]], dict[str, Schema]]:
    """The operations declared with ``@endpoint``, and their models' schemas.

    The registry is filled by importing the handlers, which ``app.api.routes`` does (and the
    app imports it before it serves): this module does not, or the two would import each other.
    """
    declared = endpoint.REGISTRY
    assert declared, "import app.api.routes before building the document"
    requests = {op.request for op in declared if op.request}
    models = sorted({m for op in declared for m in _models(op)}, key=lambda m: m.__name__)
    modes: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        (m, "validation" if m in requests else "serialization") for m in models
    ]
    _, defs = models_json_schema(modes, ref_template=REF, by_alias=True)
    schemas = defs.get("$defs", {})
    assert not schemas.keys() & SCHEMAS.keys(), "a model and a hand schema share a name"
    return [_declared(op) for op in declared], schemas


REF = "#/components/schemas/{model}"


def _models(op: endpoint.Endpoint) -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = [op.request] if op.request else []
    for answer in op.responses.values():
        args = get_args(answer) if get_origin(answer) is list else (answer,)
        found += [m for m in args if isinstance(m, type) and issubclass(m, BaseModel)]
    return found


def _schema_of(answer: Any) -> Schema | None:
    if answer is None or isinstance(answer, dict):  # no JSON body, or a schema as written
        return answer
    if get_origin(answer) is list:
        return array(ref(get_args(answer)[0].__name__))
    return ref(answer.__name__)


def _body_of(op: endpoint.Endpoint) -> Schema | None:
    """The request model; for an ENS operation, an array of 1 to ``most_per_request`` of them
    (a bare object is taken as one)."""
    if op.request is None:
        return None
    one = ref(op.request.__name__)
    if not op.many:
        return one
    most = op.request.most_per_request
    return {"anyOf": [array(one) | {"minItems": 1, "maxItems": most}, one]}


def _declared(op: endpoint.Endpoint) -> tuple[str, str, Schema]:
    method, path, built = operation(
        op.method, op.path, op.summary, tag=op.tags[0], family=op.errors,
        scope=op.scopes[0] if op.scopes else None,
        security=op.security if op.scopes is None else "bearer",
        body=_body_of(op), form=op.form,
        ok={status: _schema_of(answer) for status, answer in op.responses.items()},
        errors=op.statuses, query=op.query,
    )  # fmt: skip
    built["tags"] = list(op.tags)
    for kind in op.raw:  # taken as they are: the handler reads the bytes
        built["requestBody"]["content"][kind] = {"schema": {"type": "string"}}
    if op.scopes:  # any one of them is enough: one requirement per scope
        built["security"] = [{"bearer": [scope]} for scope in op.scopes]
    return method, path, built


def document() -> Schema:
    paths: dict[str, dict[str, Schema]] = {}
    declared, schemas = _registered()
    for method, path, op in declared:
        paths.setdefault(path, {})[method] = op
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Tidings",
            "version": "1.0.0",
            "description": "Transactional email and SMS with SFMC- and Broadcast-compatible "
            "APIs, and signed webhooks (SFMC ENS). Scopes are SFMC's.",
        },
        "paths": paths,
        "components": {
            "schemas": SCHEMAS | schemas,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An access token from /v2/token, or an API token",
                },
                "metricsToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "TIDINGS_METRICS_TOKEN; with that unset, no token is needed",
                },
                "portalSession": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "tidings_portal",
                    "description": "The consumer portal's session, opened by a portal link"
                    " (POST /portal/enter); writes also need X-CSRF-Token",
                },
                "inboundToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "TIDINGS_INBOUND_TOKEN (or as the Basic password)",
                },
            },
        },
    }


@functools.cache
def _served() -> bytes:
    return orjson.dumps(document())


@endpoint.endpoint(
    "GET", "/openapi.json", scopes=None, responses={200: {"type": "object"}}, errors=SFMC,
    summary="This description", tags=("Operations",),
)  # fmt: skip
async def spec(request: Request) -> Response:
    return Response(_served(), media_type="application/json", headers={"Cache-Control": "no-cache"})
