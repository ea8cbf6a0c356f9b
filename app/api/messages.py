"""SFMC sends and status: /messaging/v1/{email,sms}/messages[/{messageKey}]."""

from __future__ import annotations

import functools

from starlette.requests import Request
from starlette.responses import Response

from app import ids, wire
from app.api import auth
from app.api.endpoint import endpoint
from app.api.http import BIGINT_MAX, JSONResponse, parse_int, query_int, render, runtime
from app.services.sending import sends, status
from app.wire import sends as shapes
from app.wire.answers import MessageStatus, NotSentFeed, SendAccepted, SendEntry, SendRefused

_FEED_QUERY = {
    "type": {"type": "string", "enum": ["notSent"], "description": "notSent (any casing)"},
    "$pageSize": {"type": "integer", "minimum": 1, "maximum": 1000},
    "lastEventId": {"type": "string", "pattern": "^[0-9]*$",
                   "description": "The lastEventID of the previous page (empty: the first)"},
}  # fmt: skip


async def _send(request: Request, channel: str, body: shapes.SendIn, key: str | None) -> Response:
    state, who = runtime(request), auth.principal(request)
    accepted = await sends.accept(
        state.db,
        account_id=who.account_id,
        channel=channel,
        body=body,
        path_key=key,
        now=state.now(),
        key_window_s=state.settings.message_key_window_s,
        wake=state.wake,
    )
    if accepted.failures == len(accepted.responses):
        # Nothing could be queued: the whole request failed (the single route's only one).
        first = accepted.responses[0]
        refused = SendRefused(
            message=first["message"], errorcode=first["errorcode"], documentation="",
            request_id=accepted.request_id,
            responses=[SendEntry.model_validate(r) for r in accepted.responses],
        )  # fmt: skip
        return render(refused, 400)
    return JSONResponse(accepted.to_wire(), status_code=202)


def _declare(channel: str) -> None:
    """The four message operations of one channel, declared with ``@endpoint``."""
    base = f"/messaging/v1/{channel}/messages"
    send, read = (f"{channel}_send",), (f"{channel}_read",)
    declare = functools.partial(endpoint, errors=wire.SFMC, tags=(f"SFMC {channel} sends",))
    answers = {202: SendAccepted, 400: SendRefused}

    @declare("POST", base, scopes=send, request=shapes.BATCH[channel], responses=answers,
             summary="Send to up to 2,000 recipients")  # fmt: skip
    async def send_batch(request: Request, body: shapes.SendIn) -> Response:
        return await _send(request, channel, body, None)

    @declare("GET", base, scopes=read, responses={200: NotSentFeed},
             summary="NotSent events feed", query=_FEED_QUERY)  # fmt: skip
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

    @declare("POST", base + "/{key}", scopes=send, request=shapes.ONE[channel],
             responses=answers, summary="Send to one recipient with this messageKey")  # fmt: skip
    async def send_one(request: Request, body: shapes.SendIn) -> Response:
        return await _send(request, channel, body, request.path_params["key"])

    @declare("GET", base + "/{key}", scopes=read, responses={200: MessageStatus},
             summary="A message's status")  # fmt: skip
    async def get_one(request: Request) -> Response:
        state, who = runtime(request), auth.principal(request)
        body = await status.of_message(
            state.db, who.account_id, channel, request.path_params["key"], ids.uuid4()
        )
        return JSONResponse(body)


_declare("email")
_declare("sms")
