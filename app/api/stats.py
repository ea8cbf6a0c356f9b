"""The stats API: /api/v1/stats/{summary,timeseries,callbacks,recent}, account-scoped, from
rollups."""

from __future__ import annotations

import functools

from starlette.requests import Request
from starlette.responses import Response

from app import wire
from app.api import auth
from app.api.endpoint import endpoint, parse_query, query_of
from app.api.http import query_int, render, runtime
from app.services import stats
from app.wire.stats import (
    StatsCallbacks,
    StatsRange,
    StatsRecent,
    StatsSummary,
    StatsTimeseries,
    TimeseriesQuery,
)

READ_SCOPES = ("transactional_read", "email_read", "sms_read", "event_notification_callback_read")
# Every stats operation is a GET, readable with any read scope, answered in Broadcast's errors.
_stats = functools.partial(
    endpoint, "GET", scopes=READ_SCOPES, errors=wire.BROADCAST, tags=("Stats",)
)
_LIMIT = {"type": "integer", "minimum": 1, "maximum": 200, "description": "Default 20"}


def _range(request: Request) -> stats.Range:
    span = parse_query(request, StatsRange)
    return stats.Range(span.since, span.until)


@_stats(
    "/api/v1/stats/summary",
    responses={200: StatsSummary},
    summary="Outcome counts and rates",
    query=query_of(StatsRange),
)
async def summary(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    return render(await stats.summary(state.db, who.account_id, _range(request)))


@_stats(
    "/api/v1/stats/timeseries",
    responses={200: StatsTimeseries},
    summary="Outcome counts over time",
    query=query_of(TimeseriesQuery),
)
async def timeseries(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    query = parse_query(request, TimeseriesQuery)
    return render(await stats.timeseries(state.db, who.account_id, query))


@_stats(
    "/api/v1/stats/callbacks",
    responses={200: StatsCallbacks},
    summary="Webhook health per callback",
    query=query_of(StatsRange),
)
async def callbacks(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    body = await stats.all_callbacks(state.db, who.account_id, _range(request), now=state.now())
    return render(body)


@_stats(
    "/api/v1/stats/recent",
    responses={200: StatsRecent},
    summary="The latest events",
    query={"limit": _LIMIT},
)
async def recent(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    limit = query_int(request, "limit", default=20, low=1, high=200)
    return render(await stats.recent(state.db, who.account_id, limit=limit))
