"""SFMC send definitions: /messaging/v1/{email,sms}/definitions[/{key}[/queue]]."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from app import ids, wire
from app.api import auth
from app.api.endpoint import endpoint
from app.api.http import JSONResponse, query_int, render, runtime
from app.errors import Invalid
from app.services.sending import definitions
from app.wire import definitions as shapes
from app.wire.definitions import DefinitionDeleted, DefinitionPage, QueueCount, Queued

# ``endpoint`` with one channel's error family and tags
Declare = Callable[..., Callable[[Callable[..., Awaitable[Response]]], Any]]


def _request_id() -> str:
    return ids.uuid4()


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


_PAGE = {"type": "integer", "minimum": 1, "maximum": 1_000_000}
_SIZE = {"type": "integer", "minimum": 1, "maximum": 500}
_LIST_QUERY = {
    "$page": _PAGE, "$pageSize": _SIZE,
    "$filter": {"type": "string", "description": "status eq|neq active|inactive|deleted"},
    "$orderBy": {"type": "string", "description": "definitionKey, name, createdDate, "
                "modifiedDate or status, optionally followed by asc or desc"},
}  # fmt: skip


def _declare(channel: str) -> None:
    """The seven operations of one channel's definitions, declared with ``@endpoint``."""
    base = f"/messaging/v1/{channel}/definitions"
    declare = functools.partial(endpoint, errors=wire.SFMC, tags=(f"SFMC {channel} sends",))
    _collection(channel, base, declare)
    _item(channel, base, declare)
    _queue(channel, base, declare)


def _collection(channel: str, base: str, declare: Declare) -> None:
    read, write, shown = (f"{channel}_read",), (f"{channel}_write",), shapes.OUT[channel]

    @declare("POST", base, scopes=write, request=shapes.IN[channel], statuses=(409,),
             responses={201: shown}, summary="Create a send definition")  # fmt: skip
    async def create(request: Request, body: definitions.DefinitionIn) -> Response:
        state, who = runtime(request), auth.principal(request)
        found = await definitions.create(state.db, who.account_id, channel, body, now=state.now())
        return JSONResponse(definitions.to_wire(found, _request_id()), status_code=201)

    @declare("GET", base, scopes=read, responses={200: DefinitionPage},
             summary="List send definitions", query=_LIST_QUERY)  # fmt: skip
    async def list_(request: Request) -> Response:
        return JSONResponse(await _page(request, channel))


def _item(channel: str, base: str, declare: Declare) -> None:
    read, write, shown = (f"{channel}_read",), (f"{channel}_write",), shapes.OUT[channel]

    @declare("GET", base + "/{key}", scopes=read, responses={200: shown},
             summary="Get a send definition")  # fmt: skip
    async def get(request: Request) -> Response:
        state, who = runtime(request), auth.principal(request)
        found = await definitions.get(state.db, who.account_id, channel, request.path_params["key"])
        return JSONResponse(definitions.to_wire(found, _request_id()))

    @declare("PATCH", base + "/{key}", scopes=write, request=shapes.DefinitionPatch,
             responses={200: shown}, summary="Update a send definition (merge)",
             statuses=(409,))  # fmt: skip
    async def patch(request: Request, body: shapes.DefinitionPatch) -> Response:
        state, who = runtime(request), auth.principal(request)
        found = await definitions.patch(
            state.db, who.account_id, channel, request.path_params["key"], body,
            now=state.now(), wake=state.wake,
        )  # fmt: skip
        return JSONResponse(definitions.to_wire(found, _request_id()))

    @declare("DELETE", base + "/{key}", scopes=write, responses={200: DefinitionDeleted},
             summary="Delete (archive) a send definition")  # fmt: skip
    async def delete(request: Request) -> Response:
        state, who = runtime(request), auth.principal(request)
        archived = await definitions.delete(
            state.db, who.account_id, channel, request.path_params["key"],
            now=state.now(), wake=state.wake,
        )  # fmt: skip
        return render(
            DefinitionDeleted(
                message="Success", request_id=_request_id(), deleted_definition_key=archived
            )
        )


def _queue(channel: str, base: str, declare: Declare) -> None:
    read, write = (f"{channel}_read",), (f"{channel}_write",)

    @declare("GET", base + "/{key}/queue", scopes=read, responses={200: QueueCount},
             summary="Count the queued sends")  # fmt: skip
    async def queue(request: Request) -> Response:
        state, who = runtime(request), auth.principal(request)
        count, age_s = await definitions.queue_stats(
            state.db, who.account_id, channel, request.path_params["key"], now=state.now()
        )
        return render(QueueCount(request_id=_request_id(), count=count, age_seconds=age_s))

    @declare("DELETE", base + "/{key}/queue", scopes=write, responses={200: Queued},
             statuses=(400, 409), summary="Purge an inactive definition's queue")  # fmt: skip
    async def purge(request: Request) -> Response:
        state, who = runtime(request), auth.principal(request)
        await definitions.purge_queue(
            state.db, who.account_id, channel, request.path_params["key"],
            now=state.now(), wake=state.wake,
        )  # fmt: skip
        return render(Queued(request_id=_request_id(), message="Queued"))


async def _page(request: Request, channel: str) -> dict[str, Any]:
    """One page of a channel's definitions, by the SFMC ``$page``/``$filter`` parameters."""
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
    return {
        "requestId": _request_id(),
        "definitions": [definitions.summary(d) for d in found],
        "count": len(found),
        "page": page,
        "pageSize": size,
    }


_declare("email")
_declare("sms")
