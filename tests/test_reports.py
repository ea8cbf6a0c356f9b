"""The JSON forms of bounce reports and SMS receipts, pure: what they become, what is refused."""

from __future__ import annotations

from typing import Any

import pytest

from app import wire
from app.errors import Invalid
from app.services.sending import reports
from app.services.sending.reports import Bounce, Receipt
from app.wire.inbound import BounceIn, ReceiptIn

ID = "0b9f1c2e-4d5a-4c3b-9e8f-7a6b5c4d3e2f"


def _bounce(body: Any) -> Bounce:
    return reports.bounce(wire.parse(BounceIn, body, family=wire.SFMC))


def _receipt(body: Any) -> Receipt:
    return reports.receipt(wire.parse(ReceiptIn, body, family=wire.SFMC))


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"messageId": ID}, Bounce(True, "5.0.0", "5.0.0", message_id=ID)),
        ({"messageId": ID, "smtpReason": "4.2.2"}, Bounce(False, "4.2.2", "4.2.2", message_id=ID)),
        ({"messageId": ID, "bounceCode": "soft"}, Bounce(False, "4.0.0", "4.0.0", message_id=ID)),
        (  # the code wins over the status's class
            {"messageId": ID, "bounceCode": "HARD", "smtpReason": "4.4.7"},
            Bounce(True, "4.4.7", "4.4.7", message_id=ID),
        ),
        (
            {"accountId": "7", "messageKey": "k-1", "smtpReason": "5.7.1", "bounceMessage": "no"},
            Bounce(True, "5.7.1", "no", account_id=7, message_key="k-1"),
        ),
        (
            {"accountId": 7, "recipient": "ana@example.com", "messageId": ""},
            Bounce(True, "5.0.0", "5.0.0", recipient="ana@example.com", account_id=7),
        ),
        (
            {"messageId": ID, "bounceMessage": "x" * 600},
            Bounce(True, "5.0.0", "x" * 500, message_id=ID),  # cut at 500 characters
        ),
    ],
)
def test_bounce_from_json(body: dict[str, Any], expected: Bounce) -> None:
    assert _bounce(body) == expected


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        (["not", "an", "object"], None, "JSON object"),
        ({"messageId": ID, "smtpReason": "bogus"}, "smtpReason", "enhanced status"),
        ({"messageId": ID, "smtpReason": "5.1"}, "smtpReason", "enhanced status"),
        ({"messageId": ID, "smtpReason": 511}, "smtpReason", "enhanced status"),
        ({"messageId": ID, "bounceCode": "MEDIUM"}, "bounceCode", "HARD or SOFT"),
        ({"bounceCode": "HARD"}, "base", "Name the message"),
        ({"messageKey": "k-1"}, "base", "messageKey needs accountId"),
        ({"recipient": "ana@example.com"}, "base", "recipient needs accountId"),
        ({"messageId": 12}, "messageId", "must be a string"),
        ({"messageKey": "k", "accountId": "seven"}, "accountId", "must be an integer"),
        ({"messageKey": "k", "accountId": True}, "accountId", "must be an integer"),
        ({"messageKey": "k", "accountId": 2**63}, "accountId", "must be an integer"),
        ({"messageKey": "k", "accountId": -1}, "accountId", "must be an integer"),
    ],
)
def test_bounce_refusals_name_the_field(body: Any, field: str | None, says: str) -> None:
    with pytest.raises(Invalid, match=says) as raised:
        _bounce(body)
    assert raised.value.field == field


@pytest.mark.parametrize(
    ("body", "kind", "code", "text"),
    [
        ({"status": "delivered"}, "Delivered", "4000", "Delivered"),
        ({"status": "EXPIRED"}, "Bounced", "4501", "Expired"),
        ({"status": "undelivered"}, "Bounced", "4500", "Undeliverable"),
        ({"status": "failed", "statusCode": "4502", "statusMessage": "Blocked"}, "Bounced",
         "4502", "Blocked"),
        ({"status": "queued"}, "Transient", "3000", "Enroute"),
        ({"status": "sent"}, "Transient", "3000", "Enroute"),
        ({"MessageStatus": "undelivered", "ErrorCode": "30003"}, "Bounced", "30003",
         "Undeliverable"),  # Twilio's form post
    ],
)  # fmt: skip
def test_receipt_kinds(body: dict[str, Any], kind: str, code: str, text: str) -> None:
    receipt = _receipt(body | {"messageId": ID})
    assert (receipt.kind, receipt.status_code, receipt.status_message) == (kind, code, text)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"status": "delivered", "messageId": ID, "from": "4915112345678", "countryCode": "DE"},
            Receipt("Delivered", "4000", "Delivered", message_id=ID, sender="4915112345678",
                    country_code="DE"),
        ),
        (
            {"MessageStatus": "delivered", "MessageSid": "SM1", "From": "+4915112345678"},
            Receipt("Delivered", "4000", "Delivered", provider_id="SM1", sender="+4915112345678"),
        ),
        (
            {"status": "delivered", "providerId": "p-1", "MessageSid": "SM1"},
            Receipt("Delivered", "4000", "Delivered", provider_id="p-1"),
        ),
        (
            {"status": "delivered", "accountId": "3", "messageKey": "otp-1"},
            Receipt("Delivered", "4000", "Delivered", account_id=3, message_key="otp-1"),
        ),
    ],
)  # fmt: skip
def test_receipt_names_its_message(body: dict[str, Any], expected: Receipt) -> None:
    assert _receipt(body) == expected


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ("delivered", None, "JSON object"),
        ({"messageId": ID}, "status", "status must be"),
        ({"messageId": ID, "status": "teleported"}, "status", "status must be"),
        ({"status": "delivered"}, "base", "Name the message"),
        ({"status": "delivered", "messageKey": "k"}, "base", "messageKey needs accountId"),
        ({"status": "delivered", "providerId": 5}, "providerId", "must be a string"),
    ],
)
def test_receipt_refusals(body: Any, field: str | None, says: str) -> None:
    with pytest.raises(Invalid, match=says) as raised:
        _receipt(body)
    assert raised.value.field == field
