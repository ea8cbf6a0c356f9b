"""The routing table: every path Tidings serves, in one list.

Operations declared with ``@endpoint`` (``app.api.endpoint``) come from its registry, a
module at a time; the rest are still listed here by hand until their family is converted."""

from __future__ import annotations

from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from app.api import (
    assets,
    definitions,
    endpoint,
    ens,
    health,
    inbound,
    messages,
    metrics,
    openapi,
    page,
    stats,
    suppressions,
    token,
    transactionals,
)

ROUTES = [
    *endpoint.routes(health),
    *endpoint.routes(metrics),
    *endpoint.routes(openapi),
    *endpoint.routes(token),
    Route("/asset/v1/content/assets", assets.create, methods=["POST"]),
    Route("/asset/v1/content/assets", assets.list_or_find, methods=["GET"]),
    Route("/asset/v1/content/assets/{asset_id}", assets.get, methods=["GET"]),
    Route("/asset/v1/content/assets/{asset_id}", assets.patch, methods=["PATCH"]),
    Route("/asset/v1/content/assets/{asset_id}", assets.delete, methods=["DELETE"]),
    *definitions.routes("email"),
    *definitions.routes("sms"),
    *messages.routes("email"),
    *messages.routes("sms"),
    *endpoint.routes(suppressions),
    *endpoint.routes(transactionals),
    *endpoint.routes(ens),
    *endpoint.routes(stats),
    *endpoint.routes(page),
    Mount("/static", StaticFiles(directory=page.STATIC), name="static"),
    *endpoint.routes(inbound),
]
