"""Content Builder stand-in: /asset/v1/content/assets."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response

from app.api import auth
from app.api.http import BIGINT_MAX, JSONResponse, parse_int, query_int, read_json, runtime
from app.errors import Invalid, NotFound
from app.services.sending import assets

_KEY_FILTER = re.compile(r"^customerKey\s*(?:eq|=)\s*'?([^']*)'?$", re.IGNORECASE)


def _asset_id(request: Request) -> int:
    """The id in the path; anything but a number a BIGINT holds names no asset (404).

    Parsed here rather than by Starlette's ``int`` convertor, which fails on 4,300+ digits."""
    raw = request.path_params["asset_id"]
    try:
        return parse_int(raw, "asset_id", low=0, high=BIGINT_MAX)
    except Invalid:
        raise NotFound(f"Asset {raw[:40]} not found", code=30003) from None


@auth.requires("email_write")
async def create(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    asset = await assets.create(state.db, who.account_id, await read_json(request), now=state.now())
    return JSONResponse(assets.to_wire(asset), status_code=201)


@auth.requires("email_read")
async def list_or_find(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    wanted = request.query_params.get("customerKey")
    match = _KEY_FILTER.match(request.query_params.get("$filter", ""))
    if wanted is None and match is not None:
        wanted = match[1]
    page = query_int(request, "$page", default=1, low=1, high=1_000_000)
    size = query_int(request, "$pageSize", "$pagesize", default=50, low=1, high=500)
    items, total = await assets.find(
        state.db, who.account_id, wanted, limit=size, offset=(page - 1) * size
    )
    body = {
        "count": total,
        "page": page,
        "pageSize": size,
        "items": [assets.to_wire(asset) for asset in items],
    }
    return JSONResponse(body)


@auth.requires("email_read")
async def get(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    return JSONResponse(
        assets.to_wire(await assets.get(state.db, who.account_id, _asset_id(request)))
    )


@auth.requires("email_write")
async def patch(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    asset = await assets.patch(
        state.db, who.account_id, _asset_id(request), await read_json(request), now=state.now()
    )
    return JSONResponse(assets.to_wire(asset))


@auth.requires("email_write")
async def delete(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    await assets.delete(state.db, who.account_id, _asset_id(request))
    return JSONResponse({"id": _asset_id(request), "deleted": True})
