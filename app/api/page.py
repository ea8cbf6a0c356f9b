"""The console's pages: /console (/stats leads to it), sign-in and sign-out with a session cookie.

Signing in takes an API client's id and secret and sets an HttpOnly, SameSite=Strict cookie
holding a session token for that client (8 hours; revoking the client ends it). The cookie
authorises reads; a write made on it also needs the session's CSRF token, which
``/console/session`` gives the page (see ``auth._credential``). Sign-in and sign-out check
``Origin`` as well. Sign-in checks the secret as /v2/token does, under the same rate limits.
"""

from __future__ import annotations

import pathlib
from urllib.parse import urlsplit

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from app import wire
from app.api import token
from app.api.auth import SESSION_COOKIE
from app.api.endpoint import endpoint
from app.api.http import render, runtime
from app.errors import Forbidden, OAuthError, Unauthenticated
from app.wire import vocabulary
from app.wire.health import Session
from app.wire.token import TokenIn

STATIC = pathlib.Path(__file__).resolve().parent.parent.parent / "static"
# The page loads nothing from anywhere else, and nothing else may frame it.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
        " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # no-referrer would make the sign-in POST say Origin: null
    "Cache-Control": "no-store",
}


_PAGE = ("Console",)
# The sign-in form's failures redirect; what is left is plain: SFMC's envelope or Broadcast's.
_PLAIN = "plain"
_NO_STORE = {"Cache-Control": "no-store"}


# The page's data block, filled with the event types it draws (a data block runs no script).
_EVENT_TYPES_BLOCK = '<script id="event-types" type="application/json">[]</script>'


def _event_types_block() -> str:
    types = [{"type": t, "short": t.short, "colour": t.colour} for t in vocabulary.EventType]
    data = orjson.dumps(types).decode().replace("<", "\\u003c")
    return _EVENT_TYPES_BLOCK.replace("[]", data)


@endpoint(
    "GET", "/stats", scopes=None, responses={302: None}, errors=wire.SFMC,
    summary="The older stats page: now the console's overview", tags=_PAGE,
)  # fmt: skip
async def page(request: Request) -> Response:
    return RedirectResponse("/console#/overview", status_code=302)


@endpoint(
    "GET", "/console", scopes=None, responses={200: None}, errors=wire.SFMC,
    summary="The operator console (HTML)", tags=_PAGE,
)  # fmt: skip
async def console(request: Request) -> Response:
    html = await run_in_threadpool((STATIC / "console" / "index.html").read_text, "utf-8")
    html = html.replace(_EVENT_TYPES_BLOCK, _event_types_block())
    return HTMLResponse(html, headers=SECURITY_HEADERS)


@endpoint(
    "GET", "/docs", scopes=None, responses={200: None}, errors=wire.SFMC,
    summary="This reference as a page (HTML)", tags=("Operations",),
)  # fmt: skip
async def docs(request: Request) -> Response:
    """The API reference: the vendored Swagger UI renders /openapi.json (static/docs.html)."""
    return FileResponse(STATIC / "docs.html", headers=SECURITY_HEADERS)


def same_origin(request: Request) -> None:
    """A form post from another site is refused (belt and braces with SameSite=Strict)."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if origin is None:
        return  # not a browser, or a browser that sends neither: no cookie is at stake
    if urlsplit(origin).netloc != request.headers.get("host"):
        raise Forbidden("Cross-site sign-in is not allowed")


@endpoint(
    "POST", "/console/login", scopes=None, responses={303: None}, errors=_PLAIN,
    statuses=(403, 429), summary="Sign the console in (a form: client_id, client_secret)",
    tags=_PAGE, aliases=("/stats/login",),
)  # fmt: skip
async def sign_in(request: Request) -> Response:
    same_origin(request)
    state = runtime(request)
    form = await request.form()
    credentials = {
        "grant_type": "client_credentials",
        "client_id": str(form.get("client_id", "")),
        "client_secret": str(form.get("client_secret", "")),
    }
    try:
        token.throttle(request, credentials)
        body = wire.parse(TokenIn, credentials, family=wire.OAUTH)
        grant = await token.grant_for(request, body, session=True)
    except OAuthError:
        return RedirectResponse("/console?signin=failed", status_code=303)
    response = RedirectResponse("/console", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        grant.access_token,
        max_age=state.auth.session_ttl_s,
        httponly=True,
        samesite="strict",
        secure=state.settings.base_url.startswith("https://"),
        path="/",
    )
    return response


@endpoint(
    "POST", "/console/logout", scopes=None, responses={303: None}, errors=_PLAIN,
    statuses=(403,), summary="Sign the console out", tags=_PAGE, aliases=("/stats/logout",),
)  # fmt: skip
async def sign_out(request: Request) -> Response:
    same_origin(request)
    response = RedirectResponse("/console", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


@endpoint(
    "GET", "/console/session", scopes=None, responses={200: Session}, errors=wire.SFMC,
    summary="Whether the console is signed in, and its CSRF token", tags=_PAGE,
    aliases=("/stats/session",),
)  # fmt: skip
async def session(request: Request) -> Response:
    """Whether the cookie is a live session (200 either way, so the page logs no error)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    try:
        who = await runtime(request).auth.authenticate(
            f"Bearer {cookie}" if cookie else None, session=True
        )
    except Unauthenticated:
        return render(Session(signed_in=False), headers=_NO_STORE)
    body = Session(
        signed_in=True,
        account_id=who.account_id,
        client_id=who.client_id,
        scopes=sorted(who.scopes),
        csrf_token=runtime(request).auth.csrf_token(cookie or ""),
    )
    return render(body, headers=_NO_STORE)
