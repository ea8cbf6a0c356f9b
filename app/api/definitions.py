"""SFMC send definitions: /messaging/v1/{email,sms}/definitions[/{key}[/queue]]."""

from __future__ import annotations

import uuid

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.api import auth
from app.api.http import JSONResponse, query_int, read_json, runtime
from app.errors import Invalid
from app.services.sending import definitions


def _request_id() -> str:
    return str(uuid.uuid4())


def _status_filter(text: str) -> tuple[str, bool] | None:
    if not text:
        return None
    parts = text.split()
    if len(parts) != 3 or parts[0].lower() != "status" or parts[1].lower() not in ("eq", "neq"):
        raise Invalid("$filter supports only: status eq|neq active|inactive|deleted", code=10005)
    value = parts[2].strip("'\"").lower()
    if value not in ("active", "inactive", "deleted"):
        raise Invalid("$filter status must be active, inactive or deleted", code=10005)
    return value.capitalize(), parts[1].lower() == "eq"


def _order(text: str) -> tuple[str, bool]:
    field, _, direction = (text or "definitionKey").partition(" ")
    if field.lower() not in definitions.ORDERABLE or direction.lower() not in (
        "",
        "asc",
        "desc",
    ):
        raise Invalid(
            "$orderBy must be one of definitionKey, name, createdDate, modifiedDate,"
            " status, optionally followed by asc or desc",
            code=10005,
        )
    return field.lower(), direction.lower() == "desc"


def routes(channel: str) -> list[Route]:
    base = f"/messaging/v1/{channel}/definitions"

    @auth.requires(f"{channel}_write")
    async def create(request: Request) -> Response:
        state, who = runtime(request), auth.principal(request)
        found = await definitions.create(
            state.db, who.account_id, channel, await read_json(request), now=state.now()
        )
        return JSONResponse(definitions.to_wire(found, _request_id()), status_code=201)

    @auth.requires(f"{channel}_read")
    async def list_(request: Request) -> Response:
        state, who = runtime(request), auth.principal(request)
        params = request.query_params
        page = query_int(request, "$page", default=1, low=1, high=1_000_000)
        size = query_int(request, "$pageSize", "$pagesize", default=50, low=1, high=500)
        order_by, descending = _order(params.get("$orderBy") or params.get("$orderby") or "")
        found = await definitions.list_page(
            state.db,
            who.account_id,
            channel,
            status=_status_filter(params.get("$filter", "")),
            order_by=order_by,
            descending=descending,
            limit=size,
            offset=(page - 1) * size,
        )
        body = {
            "requestId": _request_id(),
            "definitions": [definitions.summary(d) for d in found],
            "count": len(found),
            "page": page,
            "pageSize": size,
        }
        return JSONResponse(body)

    @auth.requires(f"{channel}_read")
    async def get(request: Request) -> Response:
        state, who = runtime(request), auth.principal(request)
        found = await definitions.get(state.db, who.account_id, channel, request.path_params["key"])
        return JSONResponse(definitions.to_wire(found, _request_id()))

    @auth.requires(f"{channel}_write")
    async def patch(request: Request) -> Response:
        state, who = runtime(request), auth.principal(request)
        found = await definitions.patch(
            state.db,
            who.account_id,
            channel,
            request.path_params["key"],
            await read_json(request),
            now=state.now(),
            wake=state.wake,
        )
        return JSONResponse(definitions.to_wire(found, _request_id()))

    @auth.requires(f"{channel}_write")
    async def delete(request: Request) -> Response:
        state, who = runtime(request), auth.principal(request)
        archived = await definitions.delete(
            state.db,
            who.account_id,
            channel,
            request.path_params["key"],
            now=state.now(),
            wake=state.wake,
        )
        return JSONResponse(
            {"message": "Success", "requestId": _request_id(), "deletedDefinitionKey": archived}
        )

    @auth.requires(f"{channel}_read")
    async def queue(request: Request) -> Response:
        state, who = runtime(request), auth.principal(request)
        count, age_s = await definitions.queue_stats(
            state.db, who.account_id, channel, request.path_params["key"], now=state.now()
        )
        return JSONResponse({"requestId": _request_id(), "count": count, "ageSeconds": age_s})

    @auth.requires(f"{channel}_write")
    async def purge(request: Request) -> Response:
        state, who = runtime(request), auth.principal(request)
        await definitions.purge_queue(
            state.db,
            who.account_id,
            channel,
            request.path_params["key"],
            now=state.now(),
            wake=state.wake,
        )
        return JSONResponse({"requestId": _request_id(), "message": "Queued"})

    return [
        Route(base, create, methods=["POST"]),
        Route(base, list_, methods=["GET"]),
        Route(base + "/{key}", get, methods=["GET"]),
        Route(base + "/{key}", patch, methods=["PATCH"]),
        Route(base + "/{key}", delete, methods=["DELETE"]),
        Route(base + "/{key}/queue", queue, methods=["GET"]),
        Route(base + "/{key}/queue", purge, methods=["DELETE"]),
    ]
