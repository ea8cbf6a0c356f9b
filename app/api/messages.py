"""SFMC sends and status: /messaging/v1/{email,sms}/messages[/{messageKey}]."""

from __future__ import annotations

import uuid

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.api import auth
from app.api.http import BIGINT_MAX, JSONResponse, parse_int, query_int, read_json, runtime
from app.services.sending import sends, status


def routes(channel: str) -> list[Route]:
    base = f"/messaging/v1/{channel}/messages"

    async def _send(request: Request, path_key: str | None) -> Response:
        state, who = runtime(request), auth.principal(request)
        accepted = await sends.accept(
            state.db,
            account_id=who.account_id,
            channel=channel,
            body=await read_json(request),
            path_key=path_key,
            now=state.now(),
            key_window_s=state.settings.message_key_window_s,
            wake=state.wake,
        )
        body = accepted.to_wire()
        if accepted.failures == len(accepted.responses):
            # Nothing could be queued: the whole request failed (the single route's only one).
            first = accepted.responses[0]
            body = {
                "message": first["message"],
                "errorcode": first["errorcode"],
                "documentation": "",
                "requestId": accepted.request_id,
                "responses": accepted.responses,
            }
            return JSONResponse(body, status_code=400)
        return JSONResponse(body, status_code=202)

    @auth.requires(f"{channel}_send")
    async def send_batch(request: Request) -> Response:
        return await _send(request, None)

    @auth.requires(f"{channel}_send")
    async def send_one(request: Request) -> Response:
        return await _send(request, request.path_params["key"])

    @auth.requires(f"{channel}_read")
    async def get_one(request: Request) -> Response:
        state, who = runtime(request), auth.principal(request)
        body = await status.of_message(
            state.db, who.account_id, channel, request.path_params["key"], str(uuid.uuid4())
        )
        return JSONResponse(body)

    @auth.requires(f"{channel}_read")
    async def feed(request: Request) -> Response:
        state, who = runtime(request), auth.principal(request)
        status.feed_type(request.query_params.get("type"))
        size = query_int(request, "$pageSize", "$pagesize", default=20, low=1, high=1000)
        # An empty lastEventId is the first page, as before any event was seen.
        raw = request.query_params.get("lastEventId") or request.query_params.get("lastEventID")
        after_id = parse_int(raw, "lastEventId", low=0, high=BIGINT_MAX) if raw else 0
        body = await status.not_sent_feed(
            state.db, who.account_id, channel, after_id=after_id, limit=size
        )
        return JSONResponse(body)

    return [
        Route(base, send_batch, methods=["POST"]),
        Route(base, feed, methods=["GET"]),
        Route(base + "/{key}", send_one, methods=["POST"]),
        Route(base + "/{key}", get_one, methods=["GET"]),
    ]
