"""The SFMC-compatible OAuth2 token endpoint and the token-context lookup."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from app.api import auth
from app.api.http import JSONResponse, read_json_or_form, runtime
from app.errors import Invalid, OAuthError
from app.services.access.auth import Grant


async def issue(request: Request) -> Response:
    try:
        form = await read_json_or_form(request)
    except Invalid as exc:
        raise OAuthError("invalid_request", exc.message) from exc
    if not isinstance(form, dict):
        raise OAuthError("invalid_request", "The body must be a JSON object or a form.")
    grant = await grant_for(request, form)
    base = runtime(request).settings.base_url
    body = {
        "access_token": grant.access_token,
        "token_type": "Bearer",
        "expires_in": grant.expires_in_s,
        "scope": " ".join(grant.scopes),
        "rest_instance_url": base,
        "soap_instance_url": base,
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


async def grant_for(request: Request, form: dict[str, Any], *, session: bool = False) -> Grant:
    """Every check of a client secret over HTTP goes through here (/v2/token, /stats/login),
    so each is rate-limited the same way (see ``services.ratelimit``)."""
    limits = runtime(request).limits
    client_id, address = form.get("client_id"), request.client.host if request.client else ""
    limits.before_secret(client_id, address)
    try:
        grant, _ = await runtime(request).auth.issue(form, session=session)
    except OAuthError as exc:
        if exc.error == "invalid_client":
            limits.wrong_secret(client_id, address)
        raise
    return grant


@auth.requires(None)
async def context(request: Request) -> Response:
    who = auth.principal(request)
    body = {
        "enterprise": {"id": who.account_id},
        "organization": {"id": who.account_id},
        "user": {"id": who.client_id or who.token_id},
        "application": {"clientId": who.client_id, "tokenId": who.token_id},
        "scopes": sorted(who.scopes),
    }
    return JSONResponse(body)
