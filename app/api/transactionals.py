"""Broadcast-compatible transactional email: /api/v1/transactionals[.json|/{id}.json]."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from app import wire
from app.api import auth
from app.api.endpoint import endpoint
from app.api.http import JSONResponse, query_int, runtime
from app.services.sending import broadcast
from app.wire.transactionals import TransactionalIn, TransactionalOut, TransactionalPage

_TAGS = ("Broadcast-compatible email",)
_READ = ("transactional_read", "email_read")
_PAGE = {"type": "integer", "minimum": 1, "maximum": 1_000_000}
_SIZE = {"type": "integer", "minimum": 1, "maximum": 500}


@endpoint(
    "POST", "/api/v1/transactionals.json", scopes=("transactional_write", "email_send"),
    request=TransactionalIn, form=True,
    responses={201: TransactionalOut, 200: TransactionalOut}, errors=wire.BROADCAST,
    summary="Send one email (an Idempotency-Key header replays the first answer)",
    tags=_TAGS, statuses=(409, 422),
)  # fmt: skip
async def create(request: Request, body: TransactionalIn) -> Response:
    state, who = runtime(request), auth.principal(request)
    answer = await broadcast.create(
        state.db,
        who.account_id,
        body,
        key=request.headers.get("idempotency-key"),
        now=state.now(),
        base_url=state.settings.base_url,
        wake=state.wake,
    )
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return JSONResponse(answer.body, status_code=answer.status_code, headers=headers)


@endpoint(
    "GET", "/api/v1/transactionals.json", scopes=_READ, responses={200: TransactionalPage},
    errors=wire.BROADCAST, summary="List sent emails, newest first (an extension)", tags=_TAGS,
    query={"page": _PAGE, "per_page": _SIZE},
)  # fmt: skip
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


@endpoint(
    "GET", "/api/v1/transactionals/{message_id}.json", scopes=_READ,
    responses={200: TransactionalOut}, errors=wire.BROADCAST, summary="One email's status",
    tags=_TAGS,
)  # fmt: skip
async def get(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    message = await broadcast.get(state.db, who.account_id, request.path_params["message_id"])
    return JSONResponse(broadcast.to_wire(message, state.settings.base_url))
