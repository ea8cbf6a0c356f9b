"""Broadcast-compatible transactional email: /api/v1/transactionals[.json|/{id}.json]."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from app.api import auth
from app.api.http import JSONResponse, query_int, read_json_or_form, runtime
from app.services.sending import broadcast


@auth.requires("transactional_write", "email_send")
async def create(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    answer = await broadcast.create(
        state.db,
        who.account_id,
        await read_json_or_form(request),
        key=request.headers.get("idempotency-key"),
        now=state.now(),
        base_url=state.settings.base_url,
        wake=state.wake,
    )
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return JSONResponse(answer.body, status_code=answer.status_code, headers=headers)


@auth.requires("transactional_read", "email_read")
async def get(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    message = await broadcast.get(state.db, who.account_id, request.path_params["message_id"])
    return JSONResponse(broadcast.to_wire(message, state.settings.base_url))


@auth.requires("transactional_read", "email_read")
async def list_page(request: Request) -> Response:
    """An extension: Broadcast has no list of transactional emails. Newest first."""
    state, who = runtime(request), auth.principal(request)
    page = query_int(request, "page", default=1, low=1, high=1_000_000)
    size = query_int(request, "per_page", default=50, low=1, high=500)
    found, total = await broadcast.page(
        state.db, who.account_id, limit=size, offset=(page - 1) * size
    )
    return JSONResponse(
        {
            "transactionals": [broadcast.to_wire(m, state.settings.base_url) for m in found],
            "pagination": {
                "page": page,
                "per_page": size,
                "total": total,
                "total_pages": -(-total // size),
            },
        }
    )
