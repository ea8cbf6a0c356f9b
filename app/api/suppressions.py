"""The operator's view of an account's suppression list: /api/v1/suppressions."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from app.api import auth
from app.api.http import JSONResponse, query_int, read_json, runtime
from app.services.sending import suppression


@auth.requires("email_read", "sms_read", "transactional_read")
async def list_entries(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    page = query_int(request, "$page", "page", default=1, low=1, high=1_000_000)
    size = query_int(request, "$pageSize", "$pagesize", "pageSize", default=50, low=1, high=500)
    wanted = request.query_params.get("address")
    items, total = await suppression.find(
        state.db, who.account_id, wanted, limit=size, offset=(page - 1) * size
    )
    return JSONResponse(
        {
            "page": page,
            "pageSize": size,
            "count": total,
            "items": [suppression.to_wire(entry) for entry in items],
        }
    )


@auth.requires("email_write", "sms_write", "transactional_write")
async def add(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    entry, created = await suppression.add(
        state.db, who.account_id, await read_json(request), now=state.now()
    )
    return JSONResponse(suppression.to_wire(entry), status_code=201 if created else 200)


@auth.requires("email_write", "sms_write", "transactional_write")
async def remove(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    await suppression.remove(state.db, who.account_id, request.path_params["address"])
    return Response(status_code=204)
