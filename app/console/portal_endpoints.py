"""The portal's endpoints: the link's callbacks, as the ENS routes serve them, and their keys."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from app.api.http import JSONResponse, render, runtime
from app.console.portal import access, declare
from app.services.webhooks import callbacks, operations, scoped
from app.wire.callbacks import (
    CallbackCreated,
    CallbackIn,
    CallbackOut,
    Empty,
    KeyRotated,
    Probed,
    VerifyIn,
)
from app.wire.operations import CallbackHealth
from app.wire.portal import Permission, PortalCallbackPatch, SigningKey

P = Permission
_CB = "callbacks/{callback_id}"


def _id(request: Request) -> str:
    return str(request.path_params["callback_id"])


async def _callback(request: Request) -> callbacks.Callback:
    """The path's callback, when the link covers it (else 404)."""
    return await scoped.callback(runtime(request).callbacks, access(request), _id(request))


@declare("GET", "callbacks", P.VIEW_BASE, responses={200: list[CallbackOut]},
         summary="The link's callbacks")  # fmt: skip
async def list_callbacks(request: Request) -> Response:
    return JSONResponse(await scoped.list_callbacks(runtime(request).callbacks, access(request)))


@declare(
    "POST", "callbacks", P.MANAGE_ENDPOINT, request=CallbackIn, many=True,
    responses={201: list[CallbackCreated]}, statuses=(409,),
    summary="Register callbacks (a link with mayCreateCallbacks; they join the link)",
)  # fmt: skip
async def create_callbacks(request: Request, body: list[CallbackIn]) -> Response:
    state = runtime(request)
    made = await scoped.create_callbacks(state.db, state.callbacks, access(request), body)
    return JSONResponse(made, status_code=201)


@declare("GET", _CB, P.VIEW_BASE, responses={200: CallbackOut}, summary="A callback")
async def get_callback(request: Request) -> Response:
    return JSONResponse(callbacks.to_wire(await _callback(request)))


@declare("GET", _CB + "/health", P.VIEW_BASE, responses={200: CallbackHealth},
         summary="A callback's delivery health over the last 24 hours")  # fmt: skip
async def health(request: Request) -> Response:
    state = runtime(request)
    found = await _callback(request)
    return render(await operations.health(state.db, found, now=state.now()))


@declare(
    "PATCH", _CB, P.MANAGE_ENDPOINT, request=PortalCallbackPatch, responses={200: CallbackOut},
    summary="Change a callback's name, batch size or options (not its URL)",
)  # fmt: skip
async def update_callback(request: Request, body: PortalCallbackPatch) -> Response:
    found = await _callback(request)
    item = body.model_copy(update={"callback_id": found.id})
    [changed] = await runtime(request).callbacks.update(found.account_id, [item])
    return JSONResponse(changed)


@declare("DELETE", _CB, P.MANAGE_ENDPOINT, responses={200: Empty}, statuses=(409,),
         summary="Delete a callback (once it has no subscriptions)")  # fmt: skip
async def delete_callback(request: Request) -> Response:
    found = await _callback(request)
    await runtime(request).callbacks.delete(found.account_id, found.id)
    return JSONResponse({})


@declare("POST", _CB + "/probe", P.MANAGE_ENDPOINT, responses={200: Probed}, statuses=(400,),
         summary="Send a new verification probe")  # fmt: skip
async def probe(request: Request) -> Response:
    found = await _callback(request)
    return render(await runtime(request).callbacks.probe(found.account_id, found.id))


@declare("POST", "verify", P.MANAGE_ENDPOINT, request=VerifyIn, responses={200: CallbackOut},
         statuses=(404,), summary="Verify a callback with its probe's key")  # fmt: skip
async def verify(request: Request, body: VerifyIn) -> Response:
    grant = access(request)
    scoped.require_covered(grant, [body.callback_id])
    return JSONResponse(await runtime(request).callbacks.verify(grant.account_id, body))


@declare("POST", _CB + "/enable", P.MANAGE_ENDPOINT, responses={200: CallbackOut},
         summary="Re-enable a disabled callback")  # fmt: skip
async def enable(request: Request) -> Response:
    found = await _callback(request)
    return JSONResponse(await runtime(request).callbacks.enable(found.account_id, found.id))


@declare("GET", _CB + "/secret", P.VIEW_ENDPOINT_SECRET, responses={200: SigningKey},
         summary="The callback's signing key")  # fmt: skip
async def secret(request: Request) -> Response:
    found = await _callback(request)
    key = await runtime(request).callbacks.signing_key(found.account_id, found.id)
    return JSONResponse(key, headers={"Cache-Control": "no-store"})


@declare("POST", _CB + "/rotate", P.MANAGE_ENDPOINT_SECRET, responses={200: KeyRotated},
         summary="Rotate the signing key (the old one signs too for a grace period)")  # fmt: skip
async def rotate(request: Request) -> Response:
    found = await _callback(request)
    rotated = await runtime(request).callbacks.regenerate(found.account_id, found.id)
    return render(rotated, headers={"Cache-Control": "no-store"})
