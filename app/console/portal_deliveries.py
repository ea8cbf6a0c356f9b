"""The portal's deliveries and subscriptions: the link's callbacks' attempts, replays, tests,
and what they subscribe to, by the same services as the ENS routes."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from app.api.endpoint import parse_query, query_of
from app.api.http import BIGINT_MAX, JSONResponse, parse_int, query_int, render, runtime
from app.console.portal import access, declare
from app.services.webhooks import callbacks, deliveries, operations, scoped, subscriptions
from app.wire.callbacks import Empty
from app.wire.deliveries import AttemptDetail, AttemptQuery, BatchReplayed
from app.wire.operations import AttemptPage, Replayed, ReplayIn, TestSent
from app.wire.portal import Permission, PortalSubscriptionIn, PortalSubscriptionPatch
from app.wire.subscriptions import SubscriptionOut

P = Permission
_CB = "callbacks/{callback_id}"
_ATTEMPT = _CB + "/attempts/{attempt_id}"
_SUB = _CB + "/subscriptions/{subscription_id}"
_PAGING = {
    "pageSize": {"type": "integer", "minimum": 1, "maximum": 500},
    "beforeId": {"type": "integer", "minimum": 1, "maximum": BIGINT_MAX,
                 "description": "The page after this attempt (nextBeforeId)"},
}  # fmt: skip


async def _callback(request: Request) -> callbacks.Callback:
    callback_id = str(request.path_params["callback_id"])
    return await scoped.callback(runtime(request).callbacks, access(request), callback_id)


def _attempt_id(request: Request) -> int:
    return parse_int(str(request.path_params["attempt_id"]), "attemptId", low=1, high=BIGINT_MAX)


@declare(
    "GET", _CB + "/attempts", P.VIEW_BASE, responses={200: AttemptPage},
    query=_PAGING | query_of(AttemptQuery), summary="A callback's attempts, newest first",
)  # fmt: skip
async def attempts(request: Request) -> Response:
    found = await _callback(request)
    limit = query_int(request, "pageSize", default=50, low=1, high=500)
    before = request.query_params.get("beforeId")
    before_id = (
        query_int(request, "beforeId", default=0, low=1, high=BIGINT_MAX) if before else None
    )
    only = parse_query(request, AttemptQuery)
    page = await deliveries.page(runtime(request).db, found, only, limit=limit, before_id=before_id)
    return render(page)


@declare("GET", _ATTEMPT, P.VIEW_BASE, responses={200: AttemptDetail}, statuses=(400,),
         summary="One attempt: the request as sent and the receiver's answer")  # fmt: skip
async def attempt(request: Request) -> Response:
    found = await _callback(request)
    return JSONResponse(await deliveries.detail(runtime(request).db, found, _attempt_id(request)))


@declare("POST", _ATTEMPT + "/replay", P.CREATE_ATTEMPTS, responses={202: BatchReplayed},
         statuses=(400,), summary="Deliver the attempt's batch again")  # fmt: skip
async def replay_batch(request: Request) -> Response:
    state = runtime(request)
    found = await _callback(request)
    queued = await deliveries.replay_batch(
        state.db, found, _attempt_id(request), now=state.now(), wake=state.wake
    )
    return JSONResponse(queued, status_code=202)


@declare("POST", _CB + "/replay", P.CREATE_ATTEMPTS, request=ReplayIn, responses={202: Replayed},
         summary="Redeliver events from a time range (dryRun: only count them)")  # fmt: skip
async def replay(request: Request, body: ReplayIn) -> Response:
    state = runtime(request)
    found = await _callback(request)
    queued = await operations.replay(
        state.db, found, body, now=state.now(), max_events=state.settings.replay_max_events,
        wake=state.wake,
    )  # fmt: skip
    return render(queued, status_code=202)


@declare("POST", _CB + "/test", P.CREATE_ATTEMPTS, responses={200: TestSent}, statuses=(400,),
         summary="Send a signed sample event")  # fmt: skip
async def test(request: Request) -> Response:
    state = runtime(request)
    found = await _callback(request)
    return render(await operations.test_send(state.dispatcher, found, now=state.now()))


@declare("GET", _CB + "/subscriptions", P.VIEW_BASE, responses={200: list[SubscriptionOut]},
         summary="A callback's subscriptions")  # fmt: skip
async def list_subscriptions(request: Request) -> Response:
    found = await _callback(request)
    return JSONResponse(
        await subscriptions.by_callback(runtime(request).db, found.account_id, found.id)
    )


@declare(
    "POST", _CB + "/subscriptions", P.MANAGE_ENDPOINT, request=PortalSubscriptionIn, many=True,
    responses={201: list[SubscriptionOut]}, statuses=(409,),
    summary="Subscribe the callback to event types (callbackId is the path's)",
)  # fmt: skip
async def create_subscriptions(request: Request, body: list[PortalSubscriptionIn]) -> Response:
    state = runtime(request)
    found = await _callback(request)
    with scoped.unnamed_conflict(scoped.NAME_TAKEN):
        made = await subscriptions.create(
            state.db, found.account_id, scoped.for_callback(body, found.id), now=state.now(),
            limit=state.settings.subscriptions_per_account,
        )  # fmt: skip
    return JSONResponse(made, status_code=201)


async def _subscription(request: Request) -> str:
    """The path's subscription id, when it is one of the path's (covered) callback's."""
    found = await scoped.subscription(
        runtime(request).db, access(request), str(request.path_params["callback_id"]),
        str(request.path_params["subscription_id"]),
    )  # fmt: skip
    return str(found["subscriptionId"])


@declare("GET", _SUB, P.VIEW_BASE, responses={200: SubscriptionOut},
         summary="A subscription")  # fmt: skip
async def get_subscription(request: Request) -> Response:
    state = runtime(request)
    found = await _subscription(request)
    return JSONResponse(await subscriptions.get(state.db, access(request).account_id, found))


@declare(
    "PATCH", _SUB, P.MANAGE_ENDPOINT, request=PortalSubscriptionPatch,
    responses={200: SubscriptionOut}, statuses=(409,),
    summary="Change a subscription (types, filters, name, pause or resume)",
)  # fmt: skip
async def update_subscription(request: Request, body: PortalSubscriptionPatch) -> Response:
    state = runtime(request)
    found = await _subscription(request)
    with scoped.unnamed_conflict(scoped.NAME_TAKEN):
        [changed] = await subscriptions.update(
            state.db, access(request).account_id, [scoped.patch_of(body, found)],
            now=state.now(), wake=state.wake,
        )  # fmt: skip
    return JSONResponse(changed)


@declare("DELETE", _SUB, P.MANAGE_ENDPOINT, responses={200: Empty},
         summary="Delete a subscription")  # fmt: skip
async def delete_subscription(request: Request) -> Response:
    state = runtime(request)
    found = await _subscription(request)
    await subscriptions.delete(state.db, access(request).account_id, found)
    return JSONResponse({})
