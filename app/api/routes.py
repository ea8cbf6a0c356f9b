"""The routing table: every path Tidings serves, in one list."""

from __future__ import annotations

from starlette.routing import Route

from app.api import health, token

ROUTES = [
    Route("/healthz", health.healthz, methods=["GET"]),
    Route("/readyz", health.readyz, methods=["GET"]),
    Route("/v2/token", token.issue, methods=["POST"]),
    Route("/platform/v1/tokenContext", token.context, methods=["GET"]),
    # fuel-rest lowercases whole URIs before calling.
    Route("/platform/v1/tokencontext", token.context, methods=["GET"], include_in_schema=False),
]
