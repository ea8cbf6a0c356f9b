"""Bearer authentication and per-route scope checks, as a handler decorator."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from app.api.http import runtime
from app.errors import Forbidden
from app.services.access.auth import Authenticator, Principal

Handler = Callable[[Request], Awaitable[Response]]


def requires(scope: str | None, *alternatives: str) -> Callable[[Handler], Handler]:
    """Authenticate the request and demand ``scope`` or one of ``alternatives`` (None: any)."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(request: Request) -> Response:
            state = runtime(request)
            credential, from_cookie = _credential(request, state.auth)
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


def credential(request: Request) -> tuple[str | None, bool]:
    """The credential the request was authenticated with (to authenticate it again later) and
    whether it came from the console's cookie."""
    return _credential(request, runtime(request).auth)


SESSION_COOKIE = "tidings_session"
CSRF_HEADER = "x-csrf-token"


def _credential(request: Request, auth: Authenticator) -> tuple[str | None, bool]:
    """The Authorization header; else the console's session cookie (and whether it was the cookie).

    The cookie (SameSite=Strict, HttpOnly) authorises reads by itself; a write made on it must
    also carry ``X-CSRF-Token`` with the value ``GET /console/session`` gave that session, which
    no other origin can read. The session token it holds is accepted from the cookie only.
    """
    header = request.headers.get("authorization")
    if header is not None:
        return header, False
    session = request.cookies.get(SESSION_COOKIE)
    if not session:
        return None, False
    if request.method not in ("GET", "HEAD") and not auth.is_csrf_token(
        session, request.headers.get(CSRF_HEADER)
    ):
        raise Forbidden("A write made with the console's cookie needs its X-CSRF-Token header")
    return f"Bearer {session}", True
