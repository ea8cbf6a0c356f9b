"""The operator's view of an account's suppression list: /api/v1/suppressions."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from app import wire
from app.api import auth
from app.api.endpoint import endpoint
from app.api.http import query_int, render, runtime
from app.services.sending import suppression
from app.wire.suppressions import SuppressionIn, SuppressionOut, SuppressionPage

_TAGS = ("Suppressions",)
_READ = ("email_read", "sms_read", "transactional_read")
_WRITE = ("email_write", "sms_write", "transactional_write")
_PAGE = {"type": "integer", "minimum": 1, "maximum": 1_000_000}
_SIZE = {"type": "integer", "minimum": 1, "maximum": 500}


@endpoint(
    "GET", "/api/v1/suppressions", scopes=_READ, responses={200: SuppressionPage},
    errors=wire.BROADCAST, summary="List suppressed addresses, or find one", tags=_TAGS,
    statuses=(422,),
    query={"$page": _PAGE, "page": _PAGE, "$pageSize": _SIZE, "pageSize": _SIZE,
           "address": {"type": "string", "description": "Find this address's entry"}},
)  # fmt: skip
async def list_entries(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    page = query_int(request, "$page", "page", default=1, low=1, high=1_000_000)
    size = query_int(request, "$pageSize", "$pagesize", "pageSize", default=50, low=1, high=500)
    items, total = await suppression.page(
        state.db, who.account_id, page=page, size=size, address=request.query_params.get("address")
    )
    shown = [suppression.to_wire(entry) for entry in items]
    return render(SuppressionPage(page=page, page_size=size, count=total, items=shown))


@endpoint(
    "POST", "/api/v1/suppressions", scopes=_WRITE, request=SuppressionIn,
    responses={200: SuppressionOut, 201: SuppressionOut}, errors=wire.BROADCAST,
    summary="Suppress an address (again: keeps the first entry, 200)", tags=_TAGS,
    statuses=(422,),
)  # fmt: skip
async def add(request: Request, body: SuppressionIn) -> Response:
    state, who = runtime(request), auth.principal(request)
    entry, created = await suppression.add(state.db, who.account_id, body, now=state.now())
    return render(suppression.to_wire(entry), 201 if created else 200)


@endpoint(
    "DELETE", "/api/v1/suppressions/{address}", scopes=_WRITE, responses={204: None},
    errors=wire.BROADCAST, summary="Remove a suppression", tags=_TAGS, statuses=(422,),
)  # fmt: skip
async def remove(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    await suppression.remove(state.db, who.account_id, request.path_params["address"])
    return Response(status_code=204)
