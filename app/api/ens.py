"""SFMC Event Notification Service: ens-callbacks, ens-verify, ens-regenerate, ens-subscriptions.

Also Tidings' callback operations: probe, attempts, health, replay, test, enable.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.api import auth
from app.api.http import BIGINT_MAX, JSONResponse, query_int, read_json, runtime
from app.services.webhooks import callbacks, operations, subscriptions

CB = "event_notification_callback_"
SUB = "event_notification_subscription_"


def _callback_id(request: Request) -> str:
    return str(request.path_params["callback_id"])


@auth.requires(CB + "create")
async def create_callbacks(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    created = await state.callbacks.create(who.account_id, await read_json(request))
    return JSONResponse(created, status_code=201)


@auth.requires(CB + "read")
async def list_callbacks(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    found = await state.callbacks.list_all(who.account_id)
    return JSONResponse([callbacks.to_wire(c) for c in found])


@auth.requires(CB + "read")
async def get_callback(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    found = await state.callbacks.get(who.account_id, _callback_id(request))
    return JSONResponse(callbacks.to_wire(found))


@auth.requires(CB + "update")
async def update_callbacks(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    return JSONResponse(await state.callbacks.update(who.account_id, await read_json(request)))


@auth.requires(CB + "delete")
async def delete_callback(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    await state.callbacks.delete(who.account_id, _callback_id(request))
    return JSONResponse({})


@auth.requires(CB + "update", CB + "create")
async def verify(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    return JSONResponse(await state.callbacks.verify(who.account_id, await read_json(request)))


@auth.requires(CB + "update")
async def regenerate(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    return JSONResponse(await state.callbacks.regenerate(who.account_id, await read_json(request)))


@auth.requires(CB + "update")
async def probe(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    return JSONResponse(await state.callbacks.probe(who.account_id, _callback_id(request)))


@auth.requires(CB + "update")
async def enable(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    return JSONResponse(await state.callbacks.enable(who.account_id, _callback_id(request)))


@auth.requires(CB + "read")
async def attempts(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    found = await state.callbacks.get(who.account_id, _callback_id(request))
    limit = query_int(request, "$pageSize", "pageSize", default=50, low=1, high=500)
    before = request.query_params.get("beforeId")
    before_id = (
        query_int(request, "beforeId", default=0, low=1, high=BIGINT_MAX) if before else None
    )
    return JSONResponse(
        await operations.attempts(state.db, found, limit=limit, before_id=before_id)
    )


@auth.requires(CB + "read")
async def health(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    found = await state.callbacks.get(who.account_id, _callback_id(request))
    return JSONResponse(await operations.health(state.db, found, now=state.now()))


@auth.requires(CB + "update")
async def replay(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    found = await state.callbacks.get(who.account_id, _callback_id(request))
    queued = await operations.replay(
        state.db,
        found,
        await read_json(request),
        now=state.now(),
        max_events=state.settings.replay_max_events,
        wake=state.wake,
    )
    return JSONResponse(queued, status_code=202)


@auth.requires(CB + "update")
async def test(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    found = await state.callbacks.get(who.account_id, _callback_id(request))
    return JSONResponse(await operations.test_send(state.dispatcher, found, now=state.now()))


@auth.requires(SUB + "create")
async def create_subscriptions(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    made = await subscriptions.create(
        state.db,
        who.account_id,
        await read_json(request),
        now=state.now(),
        limit=state.settings.subscriptions_per_account,
    )
    return JSONResponse(made, status_code=201)


@auth.requires(SUB + "read")
async def get_subscription(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    found = await subscriptions.get(
        state.db, who.account_id, request.path_params["subscription_id"]
    )
    return JSONResponse(found)


@auth.requires(SUB + "read")
async def subscriptions_by_callback(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    found = await subscriptions.by_callback(state.db, who.account_id, _callback_id(request))
    return JSONResponse(found)


@auth.requires(SUB + "update")
async def update_subscriptions(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    changed = await subscriptions.update(
        state.db, who.account_id, await read_json(request), now=state.now(), wake=state.wake
    )
    return JSONResponse(changed)


@auth.requires(SUB + "delete")
async def delete_subscription(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    await subscriptions.delete(state.db, who.account_id, request.path_params["subscription_id"])
    return JSONResponse({})


_P = "/platform/v1/"
_CB = _P + "ens-callbacks/{callback_id}"
ROUTES = [
    Route(_P + "ens-callbacks", create_callbacks, methods=["POST"]),
    Route(_P + "ens-callbacks", list_callbacks, methods=["GET"]),
    Route(_P + "ens-callbacks", update_callbacks, methods=["PUT"]),
    Route(_CB, get_callback, methods=["GET"]),
    Route(_CB, delete_callback, methods=["DELETE"]),
    Route(_CB + "/probe", probe, methods=["POST"]),
    Route(_CB + "/enable", enable, methods=["POST"]),
    Route(_CB + "/attempts", attempts, methods=["GET"]),
    Route(_CB + "/health", health, methods=["GET"]),
    Route(_CB + "/replay", replay, methods=["POST"]),
    Route(_CB + "/test", test, methods=["POST"]),
    Route(_P + "ens-verify", verify, methods=["POST"]),
    Route(_P + "ens-regenerate", regenerate, methods=["PUT"]),
    Route(_P + "ens-subscriptions", create_subscriptions, methods=["POST"]),
    Route(_P + "ens-subscriptions", update_subscriptions, methods=["PUT"]),
    Route(_P + "ens-subscriptions/{subscription_id}", get_subscription, methods=["GET"]),
    Route(_P + "ens-subscriptions/{subscription_id}", delete_subscription, methods=["DELETE"]),
    Route(_P + "ens-subscriptions-by-cb/{callback_id}", subscriptions_by_callback, methods=["GET"]),
]
