"""SFMC Event Notification Service: ens-callbacks, ens-verify, ens-regenerate, ens-subscriptions.

Also Tidings' callback operations: probe, attempts, health, replay, test, enable.
"""

from __future__ import annotations

import functools

from starlette.requests import Request
from starlette.responses import Response

from app import wire
from app.api import auth
from app.api.endpoint import endpoint, parse_query, query_of
from app.api.http import BIGINT_MAX, JSONResponse, query_int, render, runtime
from app.services.webhooks import callbacks, deliveries, operations, subscriptions
from app.wire.callbacks import (
    CallbackCreated,
    CallbackIn,
    CallbackOut,
    CallbackPatch,
    Empty,
    KeyRotated,
    Probed,
    RegenerateIn,
    VerifyIn,
)
from app.wire.deliveries import AttemptQuery
from app.wire.operations import AttemptPage, CallbackHealth, Replayed, ReplayIn, TestSent
from app.wire.subscriptions import SubscriptionIn, SubscriptionOut, SubscriptionPatch

CB = "event_notification_callback_"
SUB = "event_notification_subscription_"
_P = "/platform/v1/"
_CB = _P + "ens-callbacks/{callback_id}"
# Every ENS operation answers in SFMC's error body and sits under one tag.
_ens = functools.partial(endpoint, errors=wire.SFMC, tags=("SFMC ENS webhooks",))


def _callback_id(request: Request) -> str:
    return str(request.path_params["callback_id"])


async def path_callback(request: Request) -> callbacks.Callback:
    """The caller's callback the path names (404 for any other)."""
    state, who = runtime(request), auth.principal(request)
    return await state.callbacks.get(who.account_id, _callback_id(request))


@_ens(
    "POST", _P + "ens-callbacks", scopes=(CB + "create",), request=CallbackIn, many=True,
    responses={201: list[CallbackCreated]}, statuses=(409,),
    summary="Register up to 10 callbacks (each is probed; 400 with the callbacks kept when a "
    "probe fails)",
)  # fmt: skip
async def create_callbacks(request: Request, body: list[CallbackIn]) -> Response:
    state, who = runtime(request), auth.principal(request)
    created = await state.callbacks.create(who.account_id, body)
    return JSONResponse(created, status_code=201)


@_ens(
    "GET", _P + "ens-callbacks", scopes=(CB + "read",), responses={200: list[CallbackOut]},
    summary="List callbacks",
)  # fmt: skip
async def list_callbacks(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    found = await state.callbacks.list_all(who.account_id)
    return JSONResponse([callbacks.to_wire(c) for c in found])


@_ens(
    "PUT", _P + "ens-callbacks", scopes=(CB + "update",), request=CallbackPatch, many=True,
    responses={200: list[CallbackOut]}, statuses=(404,),
    summary="Update up to 10 callbacks (not their URL)",
)  # fmt: skip
async def update_callbacks(request: Request, body: list[CallbackPatch]) -> Response:
    state, who = runtime(request), auth.principal(request)
    return JSONResponse(await state.callbacks.update(who.account_id, body))


@_ens(
    "GET", _CB, scopes=(CB + "read",), responses={200: CallbackOut},
    summary="Get a callback",
)  # fmt: skip
async def get_callback(request: Request) -> Response:
    found = await path_callback(request)
    return JSONResponse(callbacks.to_wire(found))


@_ens(
    "DELETE", _CB, scopes=(CB + "delete",), responses={200: Empty},
    statuses=(409,), summary="Delete a callback (once it has no subscriptions)",
)  # fmt: skip
async def delete_callback(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    await state.callbacks.delete(who.account_id, _callback_id(request))
    return render(Empty())


@_ens(
    "POST", _P + "ens-verify", scopes=(CB + "update", CB + "create"), request=VerifyIn,
    responses={200: CallbackOut}, statuses=(404,),
    summary="Verify a callback with its probe's key",
)  # fmt: skip
async def verify(request: Request, body: VerifyIn) -> Response:
    state, who = runtime(request), auth.principal(request)
    return JSONResponse(await state.callbacks.verify(who.account_id, body))


@_ens(
    "PUT", _P + "ens-regenerate", scopes=(CB + "update",), request=RegenerateIn,
    responses={200: KeyRotated}, statuses=(404,),
    summary="Rotate a callback's signing key (the old one signs too for a grace period)",
)  # fmt: skip
async def regenerate(request: Request, body: RegenerateIn) -> Response:
    state, who = runtime(request), auth.principal(request)
    return render(await state.callbacks.regenerate(who.account_id, body.callback_id))


@_ens(
    "POST", _CB + "/probe", scopes=(CB + "update",), responses={200: Probed},
    statuses=(400,), summary="Send a new verification probe",
)  # fmt: skip
async def probe(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    return render(await state.callbacks.probe(who.account_id, _callback_id(request)))


@_ens(
    "POST", _CB + "/enable", scopes=(CB + "update",), responses={200: CallbackOut},
    summary="Re-enable a disabled callback",
)  # fmt: skip
async def enable(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    return JSONResponse(await state.callbacks.enable(who.account_id, _callback_id(request)))


_ATTEMPTS_QUERY = {
    "$pageSize": {"type": "integer", "minimum": 1, "maximum": 500},
    "pageSize": {"type": "integer", "minimum": 1, "maximum": 500},
    "beforeId": {"type": "integer", "minimum": 1, "maximum": BIGINT_MAX,
                 "description": "The page after this attempt (nextBeforeId)"},
} | query_of(AttemptQuery)  # fmt: skip


@_ens(
    "GET", _CB + "/attempts", scopes=(CB + "read",), responses={200: AttemptPage},
    summary="Delivery attempts, newest first (filtered by status, error class, time, ok)",
    query=_ATTEMPTS_QUERY,
)  # fmt: skip
async def attempts(request: Request) -> Response:
    state = runtime(request)
    found = await path_callback(request)
    limit = query_int(request, "$pageSize", "pageSize", default=50, low=1, high=500)
    before = request.query_params.get("beforeId")
    before_id = (
        query_int(request, "beforeId", default=0, low=1, high=BIGINT_MAX) if before else None
    )
    only = parse_query(request, AttemptQuery)
    return render(await deliveries.page(state.db, found, only, limit=limit, before_id=before_id))


@_ens(
    "GET", _CB + "/health", scopes=(CB + "read",), responses={200: CallbackHealth},
    summary="Delivery health over the last 24 hours",
)  # fmt: skip
async def health(request: Request) -> Response:
    state = runtime(request)
    found = await path_callback(request)
    return render(await operations.health(state.db, found, now=state.now()))


async def _replayable(request: Request) -> None:
    """The callback is looked up (404) and must be verified before the body is read."""
    found = await path_callback(request)
    operations.require_verified(found, "replays")


@_ens(
    "POST", _CB + "/replay", scopes=(CB + "update",), request=ReplayIn, check=_replayable,
    responses={202: Replayed}, summary="Redeliver events from a time range",
)  # fmt: skip
async def replay(request: Request, body: ReplayIn) -> Response:
    state = runtime(request)
    found = await path_callback(request)
    queued = await operations.replay(
        state.db, found, body, now=state.now(), max_events=state.settings.replay_max_events,
        wake=state.wake,
    )  # fmt: skip
    return render(queued, 202)


@_ens(
    "POST", _CB + "/test", scopes=(CB + "update",), responses={200: TestSent},
    statuses=(400,), summary="Send a signed sample event",
)  # fmt: skip
async def test(request: Request) -> Response:
    state = runtime(request)
    found = await path_callback(request)
    return render(await operations.test_send(state.dispatcher, found, now=state.now()))


@_ens(
    "POST", _P + "ens-subscriptions", scopes=(SUB + "create",), request=SubscriptionIn,
    many=True, responses={201: list[SubscriptionOut]}, statuses=(404, 409),
    summary="Subscribe verified callbacks to event types (up to 10)",
)  # fmt: skip
async def create_subscriptions(request: Request, body: list[SubscriptionIn]) -> Response:
    state, who = runtime(request), auth.principal(request)
    made = await subscriptions.create(
        state.db, who.account_id, body, now=state.now(),
        limit=state.settings.subscriptions_per_account,
    )  # fmt: skip
    return JSONResponse(made, status_code=201)


@_ens(
    "PUT", _P + "ens-subscriptions", scopes=(SUB + "update",), request=SubscriptionPatch,
    many=True, responses={200: list[SubscriptionOut]}, statuses=(404, 409),
    summary="Update up to 10 subscriptions (pause, resume, types, filters)",
)  # fmt: skip
async def update_subscriptions(request: Request, body: list[SubscriptionPatch]) -> Response:
    state, who = runtime(request), auth.principal(request)
    changed = await subscriptions.update(
        state.db, who.account_id, body, now=state.now(), wake=state.wake
    )
    return JSONResponse(changed)


@_ens(
    "GET", _P + "ens-subscriptions/{subscription_id}", scopes=(SUB + "read",),
    responses={200: SubscriptionOut}, summary="Get a subscription",
)  # fmt: skip
async def get_subscription(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    found = await subscriptions.get(
        state.db, who.account_id, request.path_params["subscription_id"]
    )
    return JSONResponse(found)


@_ens(
    "DELETE", _P + "ens-subscriptions/{subscription_id}", scopes=(SUB + "delete",),
    responses={200: Empty}, summary="Delete a subscription",
)  # fmt: skip
async def delete_subscription(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    await subscriptions.delete(state.db, who.account_id, request.path_params["subscription_id"])
    return render(Empty())


@_ens(
    "GET", _P + "ens-subscriptions-by-cb/{callback_id}", scopes=(SUB + "read",),
    responses={200: list[SubscriptionOut]}, summary="A callback's subscriptions",
)  # fmt: skip
async def subscriptions_by_callback(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    found = await subscriptions.by_callback(state.db, who.account_id, _callback_id(request))
    return JSONResponse(found)
