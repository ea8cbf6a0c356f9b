"""The account's credentials: API clients and API tokens (scope ``credentials_manage``)."""

from __future__ import annotations

import functools

from starlette.requests import Request
from starlette.responses import Response

from app import wire
from app.api import auth
from app.api.endpoint import endpoint
from app.api.http import JSONResponse, runtime
from app.services.access import managed
from app.wire.callbacks import Empty
from app.wire.credentials import (
    ApiTokenCreated,
    ApiTokenIn,
    ApiTokenList,
    ClientCreated,
    ClientIn,
    ClientList,
)

_MANAGE = ("credentials_manage",)
_ops = functools.partial(endpoint, scopes=_MANAGE, errors=wire.SFMC, tags=("Credentials",))


@_ops("GET", "/platform/v1/clients", responses={200: ClientList}, summary="List API clients")
async def list_clients(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    return JSONResponse(await managed.list_clients(state.db, who))


@_ops(
    "POST", "/platform/v1/clients", request=ClientIn, responses={201: ClientCreated},
    summary="Create an API client with scopes the caller holds (its secret shown once)",
)  # fmt: skip
async def create_client(request: Request, body: ClientIn) -> Response:
    state, who = runtime(request), auth.principal(request)
    created = await managed.create_client(state.db, who, body, now=state.now())
    return JSONResponse(created, status_code=201, headers={"Cache-Control": "no-store"})


@_ops(
    "DELETE", "/platform/v1/clients/{client_id}", responses={200: Empty}, statuses=(409,),
    summary="Revoke an API client (not the caller itself)",
)  # fmt: skip
async def revoke_client(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    client_id = str(request.path_params["client_id"])
    await managed.revoke_client(state.db, who, client_id, now=state.now())
    return JSONResponse({})


@_ops("GET", "/platform/v1/api-tokens", responses={200: ApiTokenList}, summary="List API tokens")
async def list_tokens(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    return JSONResponse(await managed.list_tokens(state.db, who))


@_ops(
    "POST", "/platform/v1/api-tokens", request=ApiTokenIn, responses={201: ApiTokenCreated},
    summary="Create an API token (its value shown once)",
)  # fmt: skip
async def create_token(request: Request, body: ApiTokenIn) -> Response:
    state, who = runtime(request), auth.principal(request)
    created = await managed.create_token(state.db, who, body, now=state.now())
    return JSONResponse(created, status_code=201, headers={"Cache-Control": "no-store"})


@_ops(
    "DELETE", "/platform/v1/api-tokens/{token_id}", responses={200: Empty}, statuses=(409,),
    summary="Revoke an API token",
)  # fmt: skip
async def revoke_token(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    token_id = str(request.path_params["token_id"])
    await managed.revoke_token(state.db, who, token_id, now=state.now())
    return JSONResponse({})
