"""The stats API: /api/v1/stats/{summary,timeseries,callbacks,recent}, account-scoped, from
rollups."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from app import wire
from app.api import auth
from app.api.endpoint import endpoint, parse_query, query_of
from app.api.http import JSONResponse, query_int, runtime
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
_TAGS = ("Stats",)
_LIMIT = {"type": "integer", "minimum": 1, "maximum": 200, "description": "Default 20"}


def _range(request: Request) -> stats.Range:
    span = parse_query(request, StatsRange)
    return stats.Range(span.since, span.until)


@endpoint(
    "GET", "/api/v1/stats/summary", scopes=READ_SCOPES, responses={200: StatsSummary},
    errors=wire.BROADCAST, summary="Outcome counts and rates", tags=_TAGS,
    query=query_of(StatsRange),
)  # fmt: skip
async def summary(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    return JSONResponse(await stats.summary(state.db, who.account_id, _range(request)))


@endpoint(
    "GET", "/api/v1/stats/timeseries", scopes=READ_SCOPES, responses={200: StatsTimeseries},
    errors=wire.BROADCAST, summary="Outcome counts over time", tags=_TAGS,
    query=query_of(TimeseriesQuery),
)  # fmt: skip
async def timeseries(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    query = parse_query(request, TimeseriesQuery)
    return JSONResponse(await stats.timeseries(state.db, who.account_id, query))


@endpoint(
    "GET", "/api/v1/stats/callbacks", scopes=READ_SCOPES, responses={200: StatsCallbacks},
    errors=wire.BROADCAST, summary="Webhook health per callback", tags=_TAGS,
    query=query_of(StatsRange),
)  # fmt: skip
async def callbacks(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    body = await stats.all_callbacks(state.db, who.account_id, _range(request), now=state.now())
    return JSONResponse(body)


@endpoint(
    "GET", "/api/v1/stats/recent", scopes=READ_SCOPES, responses={200: StatsRecent},
    errors=wire.BROADCAST, summary="The latest events", tags=_TAGS, query={"limit": _LIMIT},
)  # fmt: skip
async def recent(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    limit = query_int(request, "limit", default=20, low=1, high=200)
    return JSONResponse(await stats.recent(state.db, who.account_id, limit=limit))
