"""Content Builder stand-in: /asset/v1/content/assets."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response

from app import wire
from app.api import auth
from app.api.endpoint import endpoint
from app.api.http import BIGINT_MAX, parse_int, query_int, render, runtime
from app.errors import Invalid, NotFound
from app.services.sending import assets
from app.wire.assets import AssetDeleted, AssetIn, AssetOut, AssetPage, AssetPatch

_KEY_FILTER = re.compile(r"^customerKey\s*(?:eq|=)\s*'?([^']*)'?$", re.IGNORECASE)
_TAGS = ("SFMC content",)
_PATH = "/asset/v1/content/assets"
_PAGE = {"type": "integer", "minimum": 1, "maximum": 1_000_000}
_SIZE = {"type": "integer", "minimum": 1, "maximum": 500}


def _asset_id(request: Request) -> int:
    """The id in the path; anything but a number a BIGINT holds names no asset (404).

    Parsed here rather than by Starlette's ``int`` convertor, which fails on 4,300+ digits."""
    raw = request.path_params["asset_id"]
    try:
        return parse_int(raw, "asset_id", low=0, high=BIGINT_MAX)
    except Invalid:
        raise NotFound(f"Asset {raw[:40]} not found", code=30003) from None


@endpoint(
    "POST", _PATH, scopes=("email_write",), request=AssetIn, responses={201: AssetOut},
    errors=wire.SFMC, summary="Create a content asset", tags=_TAGS, statuses=(409,),
)  # fmt: skip
async def create(request: Request, body: AssetIn) -> Response:
    state, who = runtime(request), auth.principal(request)
    asset = await assets.create(state.db, who.account_id, body, now=state.now())
    return render(assets.to_wire(asset), 201)


@endpoint(
    "GET", _PATH, scopes=("email_read",), responses={200: AssetPage}, errors=wire.SFMC,
    summary="List or find content assets", tags=_TAGS,
    query={"$page": _PAGE, "$pageSize": _SIZE,
           "customerKey": {"type": "string", "description": "Find the asset with this key"},
           "$filter": {"type": "string", "description": "customerKey eq 'key'"}},
)  # fmt: skip
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
    shown = [assets.to_wire(asset) for asset in items]
    return render(AssetPage(count=total, page=page, page_size=size, items=shown))


@endpoint(
    "GET", _PATH + "/{asset_id}", scopes=("email_read",), responses={200: AssetOut},
    errors=wire.SFMC, summary="Get a content asset", tags=_TAGS,
)  # fmt: skip
async def get(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    return render(assets.to_wire(await assets.get(state.db, who.account_id, _asset_id(request))))


@endpoint(
    "PATCH", _PATH + "/{asset_id}", scopes=("email_write",), request=AssetPatch,
    responses={200: AssetOut}, errors=wire.SFMC, summary="Update a content asset",
    tags=_TAGS, statuses=(409,),
)  # fmt: skip
async def patch(request: Request, body: AssetPatch) -> Response:
    state, who = runtime(request), auth.principal(request)
    asset = await assets.patch(state.db, who.account_id, _asset_id(request), body, now=state.now())
    return render(assets.to_wire(asset))


@endpoint(
    "DELETE", _PATH + "/{asset_id}", scopes=("email_write",), responses={200: AssetDeleted},
    errors=wire.SFMC, summary="Delete a content asset", tags=_TAGS, statuses=(409,),
)  # fmt: skip
async def delete(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    await assets.delete(state.db, who.account_id, _asset_id(request))
    return render(AssetDeleted(id=_asset_id(request), deleted=True))
