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

from app import wire
from app.api.endpoint import endpoint
from app.api.http import render, runtime
from app.errors import Conflict, Forbidden, Invalid, NotFound, Unauthenticated
from app.services.sending import dsn, inbound, reports
from app.wire.inbound import (
    BounceIn,
    BouncesRecorded,
    ReceiptIn,
    ReceiptRecorded,
    Recorded,
    Unmatched,
)

_MAX_REPORT_BYTES = 1_000_000
_TAGS = ("Inbound",)
# A DSN as the mail system hands it over: any content type but JSON is read as one.
_DSN_TYPES = ("message/rfc822", "multipart/report")


async def check_token(request: Request) -> None:
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


@endpoint(
    "POST", "/inbound/bounces", scopes=None, security="inboundToken", check=check_token,
    request=BounceIn, raw=_DSN_TYPES, responses={200: BouncesRecorded}, errors=wire.SFMC,
    statuses=(403, 404, 409), tags=_TAGS,
    summary="A bounce: a DSN (RFC 3464; any content type but JSON) or the JSON form",
)  # fmt: skip
async def bounces(request: Request, body: BounceIn | None) -> Response:
    state = runtime(request)
    if body is not None:
        bounce = reports.bounce(body)
        recorded = await inbound.record_bounce(state.db, bounce, now=state.now(), wake=state.wake)
        return render(BouncesRecorded(recorded=[recorded.to_wire()], unmatched=[], ignored=0))
    raw = await request.body()
    if len(raw) > _MAX_REPORT_BYTES:
        raise Invalid(f"A report may be at most {_MAX_REPORT_BYTES} bytes")
    found, ignored = dsn.parse(raw)
    matched: list[Recorded] = []
    unmatched: list[Unmatched] = []
    for bounce in found:
        try:
            recorded = await inbound.record_bounce(
                state.db, bounce, now=state.now(), wake=state.wake
            )
        except (NotFound, Conflict):
            unmatched.append(Unmatched(recipient=bounce.recipient, smtp_reason=bounce.smtp_reason))
        else:
            matched.append(recorded.to_wire())
    # An unmatched DSN is still answered 200: the mail system must not retry it forever.
    return render(BouncesRecorded(recorded=matched, unmatched=unmatched, ignored=ignored))


@endpoint(
    "POST", "/inbound/sms/receipts", scopes=None, security="inboundToken", check=check_token,
    request=ReceiptIn, form=True, responses={200: ReceiptRecorded}, errors=wire.SFMC,
    statuses=(403, 404), tags=_TAGS, summary="An SMS delivery receipt (JSON or a form)",
)  # fmt: skip
async def sms_receipts(request: Request, body: ReceiptIn) -> Response:
    state = runtime(request)
    receipt = reports.receipt(body)
    recorded = await inbound.record_receipt(state.db, receipt, now=state.now(), wake=state.wake)
    return render(ReceiptRecorded(recorded=[recorded.to_wire()]))
