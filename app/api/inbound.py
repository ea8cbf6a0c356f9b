"""Reports from mail and SMS infrastructure: /inbound/bounces and /inbound/sms/receipts.

Authenticated by the operator's ``TIDINGS_INBOUND_TOKEN``, sent as a bearer token or as the
password of HTTP Basic auth (for gateways that only support credentials in the callback URL).
"""

from __future__ import annotations

import base64
import binascii
import hmac

from starlette.requests import Request
from starlette.responses import Response

from app.api.http import JSONResponse, read_json, read_json_or_form, runtime
from app.errors import Conflict, Forbidden, Invalid, NotFound, Unauthenticated
from app.services.sending import dsn, inbound, reports

_MAX_REPORT_BYTES = 1_000_000


def _check_token(request: Request) -> None:
    expected = runtime(request).settings.inbound_token
    if not expected:
        raise Forbidden("Inbound reports are disabled: set TIDINGS_INBOUND_TOKEN", code=20001)
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    given = ""
    if scheme.lower() == "bearer":
        given = value.strip()
    elif scheme.lower() == "basic":
        try:
            given = base64.b64decode(value.strip(), validate=True).decode().partition(":")[2]
        except (binascii.Error, UnicodeDecodeError):
            given = ""
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise Unauthenticated("A valid inbound token is required")


async def bounces(request: Request) -> Response:
    """A raw DSN (any non-JSON content type) or the JSON form; answers what was recorded."""
    _check_token(request)
    state = runtime(request)
    if request.headers.get("content-type", "").startswith("application/json"):
        bounce = reports.bounce_from_json(await read_json(request))
        recorded = await inbound.record_bounce(state.db, bounce, now=state.now(), wake=state.wake)
        return JSONResponse({"recorded": [recorded.to_wire()], "unmatched": [], "ignored": 0})
    raw = await request.body()
    if len(raw) > _MAX_REPORT_BYTES:
        raise Invalid(f"A report may be at most {_MAX_REPORT_BYTES} bytes")
    found, ignored = dsn.parse(raw)
    matched: list[dict[str, object]] = []
    unmatched: list[dict[str, object]] = []
    for bounce in found:
        try:
            recorded = await inbound.record_bounce(
                state.db, bounce, now=state.now(), wake=state.wake
            )
        except (NotFound, Conflict):
            unmatched.append({"recipient": bounce.recipient, "smtpReason": bounce.smtp_reason})
        else:
            matched.append(recorded.to_wire())
    # An unmatched DSN is still answered 200: the mail system must not retry it forever.
    return JSONResponse({"recorded": matched, "unmatched": unmatched, "ignored": ignored})


async def sms_receipts(request: Request) -> Response:
    _check_token(request)
    state = runtime(request)
    receipt = reports.receipt_from(await read_json_or_form(request))
    recorded = await inbound.record_receipt(state.db, receipt, now=state.now(), wake=state.wake)
    return JSONResponse({"recorded": [recorded.to_wire()]})
