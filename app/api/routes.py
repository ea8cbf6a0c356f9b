"""The routing table: every path Tidings serves, in one list."""

from __future__ import annotations

from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from app.api import (
    assets,
    definitions,
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
    Route("/healthz", health.healthz, methods=["GET"]),
    Route("/readyz", health.readyz, methods=["GET"]),
    Route("/metrics", metrics.metrics, methods=["GET"]),
    Route("/openapi.json", openapi.spec, methods=["GET"]),
    Route("/docs", page.docs, methods=["GET"]),
    Route("/v2/token", token.issue, methods=["POST"]),
    Route("/platform/v1/tokenContext", token.context, methods=["GET"]),
    # fuel-rest lowercases whole URIs before calling.
    Route("/platform/v1/tokencontext", token.context, methods=["GET"], include_in_schema=False),
    Route("/asset/v1/content/assets", assets.create, methods=["POST"]),
    Route("/asset/v1/content/assets", assets.list_or_find, methods=["GET"]),
    Route("/asset/v1/content/assets/{asset_id}", assets.get, methods=["GET"]),
    Route("/asset/v1/content/assets/{asset_id}", assets.patch, methods=["PATCH"]),
    Route("/asset/v1/content/assets/{asset_id}", assets.delete, methods=["DELETE"]),
    *definitions.routes("email"),
    *definitions.routes("sms"),
    *messages.routes("email"),
    *messages.routes("sms"),
    Route("/api/v1/suppressions", suppressions.list_entries, methods=["GET"]),
    Route("/api/v1/suppressions", suppressions.add, methods=["POST"]),
    Route("/api/v1/suppressions/{address}", suppressions.remove, methods=["DELETE"]),
    Route("/api/v1/transactionals.json", transactionals.create, methods=["POST"]),
    Route("/api/v1/transactionals.json", transactionals.list_page, methods=["GET"]),
    Route("/api/v1/transactionals/{message_id}.json", transactionals.get, methods=["GET"]),
    *ens.ROUTES,
    Route("/api/v1/stats/summary", stats.summary, methods=["GET"]),
    Route("/api/v1/stats/timeseries", stats.timeseries, methods=["GET"]),
    Route("/api/v1/stats/callbacks", stats.callbacks, methods=["GET"]),
    Route("/api/v1/stats/recent", stats.recent, methods=["GET"]),
    Route("/stats", page.page, methods=["GET"]),
    Route("/stats/session", page.session, methods=["GET"]),
    Route("/stats/login", page.sign_in, methods=["POST"]),
    Route("/stats/logout", page.sign_out, methods=["POST"]),
    Mount("/static", StaticFiles(directory=page.STATIC), name="static"),
    Route("/inbound/bounces", inbound.bounces, methods=["POST"]),
    Route("/inbound/sms/receipts", inbound.sms_receipts, methods=["POST"]),
]
