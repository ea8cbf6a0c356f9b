"""The stats API: /api/v1/stats/{summary,timeseries,callbacks}, account-scoped, from rollups."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from app.api import auth
from app.api.http import JSONResponse, query_int, runtime
from app.services import stats

READ_SCOPES = ("transactional_read", "email_read", "sms_read", "event_notification_callback_read")


def _range(request: Request) -> stats.Range:
    return stats.parse_range(dict(request.query_params), now=runtime(request).now())


@auth.requires(*READ_SCOPES)
async def summary(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    return JSONResponse(await stats.summary(state.db, who.account_id, _range(request)))


@auth.requires(*READ_SCOPES)
async def timeseries(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    params = request.query_params
    body = await stats.timeseries(
        state.db,
        who.account_id,
        _range(request),
        granularity=params.get("granularity", "hour"),
        channel=params.get("channel") or None,
        event_type=params.get("type") or None,
    )
    return JSONResponse(body)


@auth.requires(*READ_SCOPES)
async def callbacks(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    body = await stats.all_callbacks(state.db, who.account_id, _range(request), now=state.now())
    return JSONResponse(body)


@auth.requires(*READ_SCOPES)
async def recent(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    limit = query_int(request, "limit", default=20, low=1, high=200)
    return JSONResponse(await stats.recent(state.db, who.account_id, limit=limit))
