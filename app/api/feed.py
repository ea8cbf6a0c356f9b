"""The pull feed of an account's events, and a callback's undelivered events (reconciliation)."""

from __future__ import annotations

import functools

from starlette.requests import Request
from starlette.responses import Response

from app import wire
from app.api import auth
from app.api.endpoint import endpoint, parse_query, query_of
from app.api.ens import path_callback
from app.api.http import JSONResponse, runtime
from app.services.webhooks import feed
from app.wire.feed import FailedPage, FailedQuery, FeedPage, FeedQuery

_READ = ("event_notification_callback_read",)
_ens = functools.partial(endpoint, errors=wire.SFMC, tags=("SFMC ENS webhooks",))


@_ens(
    "GET", "/platform/v1/events", scopes=_READ, responses={200: FeedPage},
    query=query_of(FeedQuery), statuses=(400,),
    summary="The account's events in commit order, after a cursor (reconcile after an outage)",
)  # fmt: skip
async def events(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    return JSONResponse(await feed.page(state.db, who.account_id, parse_query(request, FeedQuery)))


@_ens(
    "GET", "/platform/v1/ens-callbacks/{callback_id}/failed", scopes=_READ,
    responses={200: FailedPage}, query=query_of(FailedQuery), statuses=(400,),
    summary="Events owed to a callback that it has not accepted",
)  # fmt: skip
async def failed(request: Request) -> Response:
    state = runtime(request)
    query = parse_query(request, FailedQuery)
    found = await path_callback(request)
    return JSONResponse(await feed.undelivered(state.db, found.id, query))
