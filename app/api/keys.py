"""Webhook key discovery: the account's ed25519 public keys, unauthenticated (they are public).

It answers the same empty document for an account that does not exist as for one without
ed25519 callbacks, names no callback, URL or name, and takes a token from the caller address's
bucket like every other unauthenticated check (``TIDINGS_RATE_LIMIT_TOKEN_ADDRESS``).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from app import wire
from app.api.endpoint import endpoint
from app.api.http import BIGINT_MAX, JSONResponse, parse_int, runtime
from app.errors import Invalid
from app.wire.keys import WebhookKeys

_QUERY = {"account": {"type": "integer", "minimum": 1, "maximum": BIGINT_MAX,
                      "description": "The account's MID (the events' mid)"}}  # fmt: skip


@endpoint(
    "GET", "/.well-known/webhook-keys", scopes=None, responses={200: WebhookKeys},
    errors=wire.SFMC, summary="The ed25519 public keys an account's webhooks are signed with",
    tags=("SFMC ENS webhooks",), query=_QUERY, statuses=(400, 429),
)  # fmt: skip
async def webhook_keys(request: Request) -> Response:
    state = runtime(request)
    state.limits.token_address.take(request.client.host if request.client else "")
    raw = request.query_params.get("account")
    if raw is None:
        raise Invalid("account is required: the account's MID", code=10005, field="account")
    account_id = parse_int(raw, "account", low=1, high=BIGINT_MAX)
    found = await state.callbacks.published_keys(account_id)
    return JSONResponse({"keys": found}, headers={"Cache-Control": "public, max-age=300"})
