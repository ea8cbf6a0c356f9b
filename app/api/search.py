"""The console's messages: /platform/v1/messages (search) and one message's story and HTML."""

from __future__ import annotations

import functools

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from app import wire
from app.api import auth
from app.api.endpoint import endpoint, parse_query, query_of
from app.api.http import JSONResponse, runtime
from app.services.sending import timeline
from app.wire import vocabulary
from app.wire.search import MessageDetail, MessagePage, MessageQuery

# Either read scope; each shows its own channel only.
_READ = {"email_read": vocabulary.Channel.EMAIL, "sms_read": vocabulary.Channel.SMS}
_declare = functools.partial(
    endpoint, "GET", scopes=tuple(_READ), errors=wire.SFMC, tags=("Messages",)
)
# The HTML is shown in a sandboxed frame: no scripts, nothing fetched, only inline styles and
# data: images; only a page of this origin may frame it.
HTML_HEADERS = {
    "Content-Security-Policy": (
        "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline';"
        " frame-ancestors 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "private, no-store",
}


def _channels(request: Request) -> tuple[str, ...]:
    who = auth.principal(request)
    return tuple(channel for scope, channel in _READ.items() if who.has(scope))


@_declare(
    "/platform/v1/messages", responses={200: MessagePage}, query=query_of(MessageQuery),
    summary="Find messages (newest first)",
)  # fmt: skip
async def find(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    query = parse_query(request, MessageQuery)
    body = await timeline.find(state.db, who.account_id, _channels(request), query)
    return JSONResponse(body)


@_declare(
    "/platform/v1/messages/{message_id}", responses={200: MessageDetail},
    summary="A message: its timeline, content and events",
)  # fmt: skip
async def detail(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    message_id = request.path_params["message_id"]
    body = await timeline.detail(state.db, who.account_id, _channels(request), message_id)
    return JSONResponse(body)


@_declare(
    "/platform/v1/messages/{message_id}/html", responses={200: None},
    summary="A message's rendered HTML (sandboxed: no scripts, no requests)",
)  # fmt: skip
async def html(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    message_id = request.path_params["message_id"]
    body = await timeline.html(state.db, who.account_id, _channels(request), message_id)
    return HTMLResponse(body, headers=HTML_HEADERS)
