"""The SFMC-compatible OAuth2 token endpoint and the token-context lookup."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from app import wire
from app.api import auth
from app.api.endpoint import endpoint
from app.api.http import render, runtime
from app.errors import OAuthError
from app.services.access.auth import Grant
from app.wire.token import ContextApplication, ContextId, TokenContextOut, TokenIn, TokenOut

_TAGS = ("SFMC auth",)


def throttle(request: Request, form: dict[str, Any]) -> None:
    """Every check of a client secret over HTTP (/v2/token, /stats/login) is rate-limited the
    same way (see ``services.ratelimit``), malformed requests included."""
    runtime(request).limits.before_secret(form.get("client_id"), _address(request))


@endpoint(
    "POST", "/v2/token", scopes=None, request=TokenIn, form=True, before=throttle,
    responses={200: TokenOut}, errors=wire.OAUTH, summary="OAuth2 client-credentials token",
    tags=_TAGS, statuses=(401, 429),
)  # fmt: skip
async def issue(request: Request, body: TokenIn) -> Response:
    grant = await grant_for(request, body)
    base = runtime(request).settings.base_url
    answer = TokenOut(
        access_token=grant.access_token,
        token_type="Bearer",  # noqa: S106 (the RFC 6749 token type, no secret)
        expires_in=grant.expires_in_s,
        scope=" ".join(grant.scopes),
        rest_instance_url=base,
        soap_instance_url=base,
    )
    return render(answer, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


async def grant_for(request: Request, body: TokenIn, *, session: bool = False) -> Grant:
    """The grant for checked credentials (``throttle`` ran); a wrong secret is counted."""
    try:
        grant, _ = await runtime(request).auth.issue(body, session=session)
    except OAuthError as exc:
        if exc.error == "invalid_client":
            runtime(request).limits.wrong_secret(body.client_id, _address(request))
        raise
    return grant


def _address(request: Request) -> str:
    return request.client.host if request.client else ""


@endpoint(
    "GET", "/platform/v1/tokenContext", scopes=(), responses={200: TokenContextOut},
    errors=wire.SFMC, summary="Who the token belongs to", tags=_TAGS,
    # fuel-rest lowercases whole URIs before calling.
    aliases=("/platform/v1/tokencontext",),
)  # fmt: skip
async def context(request: Request) -> Response:
    who = auth.principal(request)
    body = TokenContextOut(
        enterprise=ContextId(id=who.account_id),
        organization=ContextId(id=who.account_id),
        user=ContextId(id=who.client_id or who.token_id),
        application=ContextApplication(client_id=who.client_id, token_id=who.token_id),
        scopes=sorted(who.scopes),
    )
    return render(body)
