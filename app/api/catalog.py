"""The event catalog: /platform/v1/event-types, for any signed-in caller."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from app import wire
from app.api.endpoint import endpoint
from app.api.http import JSONResponse
from app.services.webhooks import catalog
from app.wire.catalog import EventCatalog


@endpoint(
    "GET", "/platform/v1/event-types", scopes=(), responses={200: EventCatalog},
    errors=wire.SFMC, summary="Every webhook event type: meaning, JSON Schema, example",
    tags=("SFMC ENS webhooks",),
)  # fmt: skip
async def event_types(request: Request) -> Response:
    return JSONResponse(catalog.listing())
