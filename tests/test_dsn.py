"""DSN parsing, pure: RFC 3464 reports read into bounces, matched by our ids or VERP only."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest

from app.errors import Invalid
from app.services.sending import dsn as parser
from tests.sending import dsn

OURS = "0b9f1c2e-4d5a-4c3b-9e8f-7a6b5c4d3e2f"
VERP = f"bounces+{OURS}@bounces.example.com"
PROVIDER = "<20261122.abc@mail.example.com>"


def _returned(**headers: str) -> EmailMessage:
    original = EmailMessage()
    original["From"] = "shop@mail.example.com"
    original["To"] = "ana@example.com"
    for name, value in headers.items():
        original[name.replace("_", "-")] = value
    original.set_content("Hello")
    return original


@pytest.mark.parametrize(
    ("sample", "message_id", "provider_id"),
    [
        ({"to": VERP}, OURS, None),  # the VERP return path alone
        ({"to": VERP.upper().replace("BOUNCES+", "bounces+")}, OURS.upper(), None),
        (  # X-Tidings-Message-Id in the returned message wins over the VERP address
            {"to": "bounces+ffffffff@bounces.example.com",
             "original": _returned(X_Tidings_Message_Id=OURS, Message_ID=PROVIDER)},
            OURS, PROVIDER,
        ),
        ({"to": "postmaster@example.com", "original": _returned(Message_ID=PROVIDER)},
         None, PROVIDER),  # Message-ID alone: matched by the provider id
        ({"to": "postmaster@example.com",
          "returned_headers": f"X-Tidings-Message-Id: {OURS}\r\nMessage-ID: {PROVIDER}\r\n"},
         OURS, PROVIDER),  # only the headers returned (text/rfc822-headers)
        ({"to": "postmaster@example.com"}, None, None),  # only Final-Recipient: no message
        ({"to": "bounces+short@bounces.example.com"}, None, None),  # not one of our ids
    ],
)  # fmt: skip
def test_the_message_is_named_by_our_ids_never_by_the_recipient(
    sample: dict[str, Any], message_id: str | None, provider_id: str | None
) -> None:
    [bounce], ignored = parser.parse(dsn(recipient_address="ana@example.com", **sample))
    assert (bounce.message_id, bounce.provider_id) == (message_id, provider_id)
    assert bounce.recipient == "ana@example.com" and ignored == 0


@pytest.mark.parametrize(
    ("action", "status", "hard"),
    [
        ("failed", "5.1.1", True),
        ("failed", "5.7.1", True),
        ("failed", "4.4.7", False),  # a 4.x.x failure is not permanent
        ("delayed", "4.2.2", False),
        ("delayed", "5.0.0", False),  # delayed is never hard
        ("Failed", "5.1.1", True),  # field values ignore case
    ],
)
def test_failed_and_delayed_are_bounces(action: str, status: str, hard: bool) -> None:
    raw = dsn(to=VERP, recipient_address="bo@example.com", action=action, status=status)
    [bounce], ignored = parser.parse(raw)
    assert (bounce.hard, bounce.smtp_reason, ignored) == (hard, status, 0)
    assert bounce.bounce_message == f"550 {status} <bo@example.com>: User unknown"


@pytest.mark.parametrize(
    ("action", "status"),
    [("delivered", "2.0.0"), ("relayed", "2.0.0"), ("expanded", "2.0.0"), ("failed", "bogus")],
)
def test_other_actions_and_bad_statuses_are_counted_not_reported(action: str, status: str) -> None:
    raw = dsn(to=VERP, recipient_address="bo@example.com", action=action, status=status)
    assert parser.parse(raw) == ([], 1)


@pytest.mark.parametrize(
    ("diagnostic", "message"),
    [
        (None, "failed 5.1.1"),  # no Diagnostic-Code: the action and status
        ("smtp; 550 mailbox full", "550 mailbox full"),  # its type prefix goes
        ("X-Postfix;  host said:\r\n   no such user", "host said: no such user"),  # unfolded
    ],
)
def test_the_bounce_message(diagnostic: str | None, message: str) -> None:
    raw = dsn(to=VERP, recipient_address="bo@example.com", diagnostic=diagnostic)
    [bounce], _ = parser.parse(raw)
    assert bounce.bounce_message == message


_PLAIN = dsn(to=VERP, recipient_address="a@example.com")


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (_PLAIN.replace(b"mail system", b"mail\x00system"), "NUL"),
        (dsn(to=VERP, recipient_address="a\x00b@example.com"), "NUL"),
        (b"hello", "no message/delivery-status part"),
        (b"Content-Type: text/plain\r\n\r\nDelivery failed: 5.1.1\r\n", "no message/delivery"),
        (b"", "no message/delivery-status part"),
    ],
)
def test_what_is_not_a_dsn_is_refused(raw: bytes, says: str) -> None:
    with pytest.raises(Invalid, match=says):
        parser.parse(raw)


def test_undecodable_header_bytes_are_dropped_not_fatal() -> None:
    raw = dsn(to=VERP, recipient_address="cafE9@example.com").replace(b"cafE9", b"caf\xe9")
    [bounce], _ = parser.parse(raw)
    assert bounce.message_id == OURS and bounce.recipient is not None
    assert bounce.recipient.endswith("@example.com")
