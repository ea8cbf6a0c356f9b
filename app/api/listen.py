"""`tidings listen`'s stream: server-sent events of the account's newly committed events.

Each batch is one SSE message, ``event: batch``, ``id:`` the cursor to resume after it (sent
back as ``Last-Event-ID`` on reconnect), ``data:`` the events as a webhook batch carries them.
A comment line every 15 idle seconds keeps proxies from closing the connection; the stream
ends after ``TIDINGS_LISTEN_MAX_S`` and the CLI resumes where it was. It also ends when its
credential does: when the token expires, or within ``TIDINGS_AUTH_CACHE_TTL_S`` of the client
(or API token) being revoked.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from app import wire
from app.api import auth
from app.api.endpoint import endpoint, parse_query, query_of
from app.api.http import runtime
from app.errors import RateLimited
from app.services.webhooks import feed as feed_service
from app.services.webhooks import listen
from app.wire.listen import ListenQuery

_HEARTBEAT_S = 15.0


@endpoint(
    "GET", "/platform/v1/listen", scopes=("event_notification_callback_read",),
    responses={200: None}, query=query_of(ListenQuery), statuses=(400,), errors=wire.SFMC,
    tags=("SFMC ENS webhooks",),
    summary="Stream the account's new events (text/event-stream) for `tidings listen`",
)  # fmt: skip
async def listen_stream(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    query = parse_query(request, ListenQuery)
    resume = request.headers.get("last-event-id") or None
    if resume is not None:
        feed_service.position(resume)  # a 400 now, not a broken stream later
    state.listeners.check(who.account_id)  # a 429 now when the account's streams are all open
    credential, from_cookie = auth.credential(request)
    liveness = listen.Liveness(
        lambda: state.auth.authenticate(credential, session=from_cookie),
        expires_at=who.expires_at, now=state.now, every_s=state.settings.auth_cache_ttl_s,
    )  # fmt: skip
    batches = listen.stream(
        state.db, who.account_id, query, resume=resume, now_ms=state.now(),
        poll_s=state.settings.listen_poll_s, replay_max=state.settings.listen_replay_max_events,
    )  # fmt: skip

    async def body() -> AsyncIterator[bytes]:
        yield b": tidings listen\n\n"
        try:
            with state.listeners.slot(who.account_id):
                async for chunk in _sse(batches, liveness, state.settings.listen_max_s):
                    yield chunk
        except RateLimited:
            yield b": too many listen streams for this account\n\n"

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(body(), media_type="text/event-stream", headers=headers)


async def _sse(
    batches: AsyncIterator[listen.Batch], liveness: listen.Liveness, max_s: float
) -> AsyncIterator[bytes]:
    started = last = time.monotonic()
    async for batch in batches:
        if not await liveness.holds():
            yield b": the credential was revoked or expired\n\n"
            return
        now = time.monotonic()
        if batch.events:
            data = orjson.dumps(batch.events)
            yield (
                b"event: batch\nid: " + (batch.cursor or "").encode() + b"\ndata: " + data + b"\n\n"
            )
            last = now
        elif now - last >= _HEARTBEAT_S:
            yield b": ping\n\n"
            last = now
        if now - started >= max_s:
            return
