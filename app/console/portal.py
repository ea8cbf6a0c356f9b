"""The consumer portal's door: opening a link, the session cookie, and each route's check.

``GET /portal/enter/{code}`` uses nothing up (link previewers and mail scanners fetch it): it
shows a page whose button posts the code to ``POST /portal/enter``, which trades the one-time
code for the ``tidings_portal`` cookie (HttpOnly, SameSite=Strict, Path=/portal). Portal
routes accept that cookie and nothing else (no ``Authorization`` header, no console session),
and writes also need ``X-CSRF-Token`` from ``GET /portal/api/v1/session``. Each request takes
from its link's and its account's rate-limit buckets, and ``POST /portal/enter`` from the
caller's address's, as ``/v2/token`` does.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from app import wire
from app.api.auth import CSRF_HEADER
from app.api.endpoint import Handler, endpoint
from app.api.http import JSONResponse, runtime
from app.api.page import SECURITY_HEADERS, STATIC, same_origin
from app.errors import Forbidden
from app.services.access import portal
from app.services.access.portal import Access
from app.services.webhooks import scoped
from app.wire.base import WireModel
from app.wire.portal import Permission, PortalSession

COOKIE = "tidings_portal"
API = "/portal/api/v1/"
_TAGS = ("Consumer portal",)
_READS = ("GET", "HEAD")
Check = Callable[[Request], Awaitable[None]]
# Each portal operation's permission, by (method, path): the README's table and the tests'.
PERMISSIONS: dict[tuple[str, str], Permission] = {}


def needs(permission: Permission) -> Check:
    """The check of a portal route: a live session whose link allows ``permission`` (and
    covers the path's callback)."""

    async def check(request: Request) -> None:
        state = runtime(request)
        token = request.cookies.get(COOKIE)
        access = await portal.session(state.db, token, now=state.now())
        if request.method not in _READS and not state.auth.is_csrf_token(
            token or "", request.headers.get(CSRF_HEADER)
        ):
            raise Forbidden("A portal write needs the session's X-CSRF-Token header")
        state.limits.request(access.principal)
        access.require(permission)
        callback_id = request.path_params.get("callback_id")
        if callback_id is not None:  # before the body is read: 404 whatever the body
            scoped.require_covered(access, [str(callback_id)])
        request.state.portal = access

    return check


def access(request: Request) -> Access:
    return request.state.portal  # type: ignore[no-any-return]


def declare(
    method: str,
    path: str,
    permission: Permission,
    *,
    responses: dict[int, Any],
    summary: str,
    request: type[WireModel] | None = None,
    many: bool = False,
    statuses: tuple[int, ...] = (),
    query: dict[str, Any] | None = None,
) -> Callable[[Callable[..., Awaitable[Response]]], Handler]:
    """A portal operation: under /portal/api/v1, the portal's cookie, ``permission``."""
    PERMISSIONS[method, API + path] = permission
    return endpoint(
        method, API + path, scopes=None, security="portalSession", check=needs(permission),
        errors=wire.SFMC, tags=_TAGS, statuses=(*statuses, 403, 429), responses=responses,
        summary=summary, request=request, many=many, query=query,
    )  # fmt: skip


@declare("GET", "session", Permission.VIEW_BASE, responses={200: PortalSession},
         summary="What this portal session may do, and its CSRF token")  # fmt: skip
async def session(request: Request) -> Response:
    state = runtime(request)
    token = request.cookies.get(COOKIE, "")
    body = portal.describe(access(request), csrf_token=state.auth.csrf_token(token))
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


_enter = functools.partial(endpoint, scopes=None, errors=wire.SFMC, tags=_TAGS)


@_enter(
    "GET", "/portal/enter/{code}", responses={200: None},
    summary="A portal link's page: its button opens the portal (fetching it uses nothing up)",
)  # fmt: skip
async def enter_page(request: Request) -> Response:
    page = await run_in_threadpool((STATIC / "console" / "portal-enter.html").read_text, "utf-8")
    code = html.escape(str(request.path_params["code"]), quote=True)
    return HTMLResponse(page.replace("{code}", code), headers=SECURITY_HEADERS)


@_enter(
    "POST", "/portal/enter", responses={303: None}, statuses=(403, 429),
    summary="Open a portal link (a form: code): sets the portal's session cookie, then to"
    " /portal (a used, expired or revoked link goes to /portal?link=invalid)",
)  # fmt: skip
async def enter(request: Request) -> Response:
    same_origin(request)
    state = runtime(request)
    state.limits.before_secret(None, request.client.host if request.client else "")
    code = str((await request.form()).get("code", ""))
    opened = await portal.enter(state.db, code, now=state.now()) if code else None
    if opened is None:
        return RedirectResponse("/portal?link=invalid", status_code=303)
    token, link = opened
    response = RedirectResponse("/portal", status_code=303)
    response.set_cookie(
        COOKIE, token, max_age=max(1, (link.expires_at - state.now()) // 1000), httponly=True,
        samesite="strict", secure=state.settings.base_url.startswith("https://"), path="/portal",
    )  # fmt: skip
    response.headers["Cache-Control"] = "no-store"
    return response
