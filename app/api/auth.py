"""Bearer authentication and per-route scope checks, as a handler decorator."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from app.api.http import runtime
from app.errors import Forbidden
from app.services.access.auth import Principal

Handler = Callable[[Request], Awaitable[Response]]


def requires(scope: str | None, *alternatives: str) -> Callable[[Handler], Handler]:
    """Authenticate the request and demand ``scope`` or one of ``alternatives`` (None: any)."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(request: Request) -> Response:
            state = runtime(request)
            credential, from_cookie = _credential(request)
            principal = await state.auth.authenticate(credential, session=from_cookie)
            if scope is not None and not any(principal.has(s) for s in (scope, *alternatives)):
                raise Forbidden(f"Insufficient privileges: this route needs the {scope} scope")
            state.limits.request(principal)
            request.state.principal = principal
            return await handler(request)

        guarded.accepted_scopes = () if scope is None else (scope, *alternatives)  # type: ignore[attr-defined]
        return guarded

    return decorate


def principal(request: Request) -> Principal:
    return request.state.principal  # type: ignore[no-any-return]


SESSION_COOKIE = "tidings_session"


def _credential(request: Request) -> tuple[str | None, bool]:
    """The Authorization header; for reads only, the stats page's session cookie instead (and
    whether it was the cookie).

    The cookie is SameSite=Strict and never authorises a write, so it cannot be used for CSRF;
    the session token it holds is accepted from the cookie only.
    """
    header = request.headers.get("authorization")
    if header is None and request.method in ("GET", "HEAD"):
        session = request.cookies.get(SESSION_COOKIE)
        if session:
            return f"Bearer {session}", True
    return header, False
