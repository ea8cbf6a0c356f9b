"""The consumer portal's page: /portal, the shell that renders the endpoints views on a portal
session (its JSON is under /portal/api/v1), under the console's strict headers."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from app import wire
from app.api import page
from app.api.endpoint import endpoint
from app.api.page import SECURITY_HEADERS, STATIC


@endpoint(
    "GET", "/portal", scopes=None, responses={200: None}, errors=wire.SFMC,
    summary="The consumer portal (HTML; opened through a portal link)", tags=("Console",),
)  # fmt: skip
async def portal(request: Request) -> Response:
    html = await run_in_threadpool((STATIC / "console" / "portal.html").read_text, "utf-8")
    html = html.replace(page._EVENT_TYPES_BLOCK, page._event_types_block())
    return HTMLResponse(html, headers=SECURITY_HEADERS)
