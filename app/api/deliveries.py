"""The deliveries log beyond ENS: one attempt as sent and answered, and replaying its batch.

The attempt list with its filters and the time-range replay (``dryRun`` too) are in ``ens``.
"""

from __future__ import annotations

import functools

from starlette.requests import Request
from starlette.responses import Response

from app import wire
from app.api.endpoint import endpoint
from app.api.ens import path_callback
from app.api.http import BIGINT_MAX, JSONResponse, parse_int, runtime
from app.services.webhooks import deliveries
from app.wire.deliveries import AttemptDetail, BatchReplayed

CB = "event_notification_callback_"
_ATTEMPT = "/platform/v1/ens-callbacks/{callback_id}/attempts/{attempt_id}"
_ens = functools.partial(endpoint, errors=wire.SFMC, tags=("SFMC ENS webhooks",))


def attempt_id(request: Request) -> int:
    """The path's attempt id (400 unless a positive integer)."""
    return parse_int(str(request.path_params["attempt_id"]), "attemptId", low=1, high=BIGINT_MAX)


@_ens(
    "GET", _ATTEMPT, scopes=(CB + "read",), responses={200: AttemptDetail}, statuses=(400,),
    summary="One attempt: the request as sent (signature headers, the body rendered again from"
    " its events) and the receiver's answer",
)  # fmt: skip
async def attempt(request: Request) -> Response:
    state = runtime(request)
    found = await path_callback(request)
    return JSONResponse(await deliveries.detail(state.db, found, attempt_id(request)))


@_ens(
    "POST", _ATTEMPT + "/replay", scopes=(CB + "update",), responses={202: BatchReplayed},
    statuses=(400,), summary="Deliver the attempt's batch again (a new batch, same event ids)",
)  # fmt: skip
async def replay_batch(request: Request) -> Response:
    state = runtime(request)
    found = await path_callback(request)
    queued = await deliveries.replay_batch(
        state.db, found, attempt_id(request), now=state.now(), wake=state.wake
    )
    return JSONResponse(queued, status_code=202)
