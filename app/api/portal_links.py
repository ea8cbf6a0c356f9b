"""Portal links: an operator hands a receiving team a one-time link to its own callbacks
(scope ``event_notification_portal_manage``)."""

from __future__ import annotations

import functools

from starlette.requests import Request
from starlette.responses import Response

from app import wire
from app.api import auth
from app.api.endpoint import endpoint
from app.api.http import JSONResponse, runtime
from app.services.access import portal
from app.wire.callbacks import Empty
from app.wire.portal import PortalLinkCreated, PortalLinkIn, PortalLinkList

_ops = functools.partial(
    endpoint, scopes=("event_notification_portal_manage",), errors=wire.SFMC,
    tags=("Consumer portal",),
)  # fmt: skip


@_ops(
    "POST", "/platform/v1/portal-links", request=PortalLinkIn, responses={201: PortalLinkCreated},
    statuses=(404,), summary="Create a one-time portal link (its URL shown once)",
)  # fmt: skip
async def create(request: Request, body: PortalLinkIn) -> Response:
    state, who = runtime(request), auth.principal(request)
    made = await portal.create(
        state.db, who, body, base_url=state.settings.base_url, now=state.now()
    )
    return JSONResponse(made, status_code=201, headers={"Cache-Control": "no-store"})


@_ops("GET", "/platform/v1/portal-links", responses={200: PortalLinkList},
      summary="List portal links (never their codes)")  # fmt: skip
async def list_links(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    return JSONResponse(await portal.list_all(state.db, who.account_id))


@_ops("DELETE", "/platform/v1/portal-links/{link_id}", responses={200: Empty},
      summary="Revoke a portal link and end its sessions now")  # fmt: skip
async def revoke(request: Request) -> Response:
    state, who = runtime(request), auth.principal(request)
    await portal.revoke(
        state.db, who.account_id, str(request.path_params["link_id"]), now=state.now()
    )
    return JSONResponse({})
