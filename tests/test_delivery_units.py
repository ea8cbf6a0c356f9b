"""Pure parts of webhook delivery: the retry policy, signatures, key sealing."""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime
from email.utils import formatdate

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from app import settings
from app.delivery import policy, results, signing
from app.errors import ConfigError
from app.services.webhooks.keys import KeyBox


def test_schedule_with_jitter_then_the_last_step_repeats() -> None:
    rules = policy.Policy()
    rng = random.Random(7)
    for failures, base in [(1, 5), (2, 300), (3, 1800), (9, 86400), (40, 86400)]:
        delays = [rules.delay_s(failures, rng=rng) for _ in range(200)]
        assert base * 0.8 <= min(delays) and max(delays) <= base * 1.2
        assert max(delays) - min(delays) > base * 0.2  # really jittered


def test_retry_after_is_honoured_within_bounds() -> None:
    rules = policy.Policy()
    assert rules.delay_s(1, retry_after_s=120) == 120
    assert rules.delay_s(1, retry_after_s=0) == 1
    assert rules.delay_s(1, retry_after_s=10**9) == 3600
    assert policy.parse_retry_after("30") == 30
    in_a_minute = policy.parse_retry_after(formatdate(time.time() + 60, usegmt=True))
    assert in_a_minute is not None and 55 <= in_a_minute <= 61
    assert policy.parse_retry_after("soon") is None and policy.parse_retry_after(None) is None


def test_the_window_ends_retries() -> None:
    rules = policy.Policy(schedule_s=(10,), window_s=60)
    assert rules.next_attempt_at(created_at=0, now=59_000, failures=5) is not None
    assert rules.next_attempt_at(created_at=0, now=60_000, failures=5) is None


def test_signatures_are_deterministic_and_key_specific() -> None:
    key = signing.new_key()
    assert len(key) == 44
    body = b'[{"a":1}]'
    assert signing.sfmc(key, body) == signing.sfmc(key, body)
    assert signing.sfmc(key, body) != signing.sfmc(key, body, encoding="utf8")
    assert signing.sfmc(key, body) != signing.sfmc(signing.new_key(), body)
    one = signing.headers(key=key, previous_key=None, webhook_id="msg_1", timestamp_s=1, body=body)
    assert one["webhook-signature"].startswith("v1,") and " " not in one["webhook-signature"]
    two = signing.headers(
        key=key, previous_key=signing.new_key(), webhook_id="msg_1",
        timestamp_s=1, body=body,
    )  # fmt: skip
    assert len(two["webhook-signature"].split(" ")) == 2 and "x-sfmc-ens-signature-previous" in two


def test_keys_are_sealed_with_the_secret() -> None:
    box = KeyBox("a-long-operator-secret-0123456789")
    key = signing.new_key()
    sealed = box.seal(key)
    assert sealed.startswith("fernet:") and key not in sealed
    assert box.open(sealed) == key
    with pytest.raises(ConfigError, match="does not open"):
        KeyBox("another-secret-0123456789abcdefgh").open(sealed)
    with pytest.raises(ConfigError, match="set TIDINGS_SECRET_KEY"):
        KeyBox("").open(sealed)
    assert KeyBox("").open(KeyBox("").seal(key)) == key


class _Edge(random.Random):
    """A jitter source that always picks the low or the high end of the range."""

    def __init__(self, high: bool) -> None:
        super().__init__(0)
        self.high = high

    def uniform(self, a: float, b: float) -> float:
        return b if self.high else a


@pytest.mark.parametrize(
    ("failures", "high", "expected_s"),
    [
        (1, False, 4.0),
        (1, True, 6.0),
        (0, False, 4.0),  # fewer than one failure counts as one
        (2, False, 240.0),
        (2, True, 360.0),
        (3, True, 2160.0),
        (9, False, 69120.0),
        (10, True, 103680.0),  # past the schedule: its last step, again and again
        (40, False, 69120.0),
    ],
)
def test_delay_is_the_schedule_step_within_twenty_percent(
    failures: int, high: bool, expected_s: float
) -> None:
    assert policy.Policy().delay_s(failures, rng=_Edge(high)) == pytest.approx(expected_s)


@pytest.mark.parametrize(
    ("retry_after_s", "expected_s"),
    [(120, 120), (1, 1), (0, 1), (0.2, 1), (-30, 1), (3600, 3600), (3601, 3600), (10**9, 3600)],
)
def test_retry_after_is_clamped_to_a_second_and_an_hour(
    retry_after_s: float, expected_s: float
) -> None:
    assert policy.Policy().delay_s(7, retry_after_s=retry_after_s) == expected_s


@pytest.mark.parametrize(
    ("value", "expected_s"),
    [
        ("30", 30.0),
        (" 30 ", 30.0),
        ("0", 0.0),
        ("", None),
        (None, None),
        ("soon", None),
        ("1.5", None),  # delta-seconds are whole
        ("-5", None),
    ],
)
def test_parse_retry_after_seconds(value: str | None, expected_s: float | None) -> None:
    assert policy.parse_retry_after(value) == expected_s


@pytest.mark.parametrize(
    ("now", "failures", "retry_after_s", "expected"),
    [
        (0, 1, 2.0, 2_000),
        (59_000, 5, 30.0, 89_000),  # inside the window: the delay from now
        (59_999, 5, 3600.0, 3_659_999),  # the last attempt may land after the window
        (60_000, 1, 1.0, None),  # the window is used up: give up
        (10**9, 1, None, None),
    ],
)
def test_next_attempt_within_the_window(
    now: int, failures: int, retry_after_s: float | None, expected: int | None
) -> None:
    rules = policy.Policy(schedule_s=(10,), window_s=60)
    got = rules.next_attempt_at(
        created_at=0, now=now, failures=failures, retry_after_s=retry_after_s
    )
    assert got == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("5, 300,1800", (5.0, 300.0, 1800.0)), ("5", (5.0,)), ("0.5, 1,", (0.5, 1.0))],
)
def test_parse_schedule_table(text: str, expected: tuple[float, ...]) -> None:
    assert settings.parse_schedule(text) == expected


@pytest.mark.parametrize("bad", ["", ",", " , ", "5,-1", "0", "x", "5;300", "5,,0"])
def test_parse_schedule_refuses(bad: str) -> None:
    with pytest.raises(ValueError):
        settings.parse_schedule(bad)


# The well-known HMAC-SHA256 example: key "key" over the quick brown fox.
FOX = b"The quick brown fox jumps over the lazy dog"
FOX_MAC = "97yD9DBThCSxMpjmqm+xQ+9NWaFJRhdZl0edvC0aPNg="


@pytest.mark.parametrize(
    ("key", "encoding"),
    [("a2V5", "base64"), ("key", "utf8")],  # the key's base64-decoded bytes, or its UTF-8 bytes
)
def test_sfmc_signature_is_the_hmac_of_the_body(key: str, encoding: str) -> None:
    assert signing.sfmc(key, FOX, encoding=encoding) == FOX_MAC


BODIES = [b"[]", b'[{"eventId":"e-1","info":{"to":"ana@example.com"}}]', '["ünï ✓"]'.encode()]


@pytest.mark.parametrize("body", BODIES)
@pytest.mark.parametrize("rotating", [False, True])
def test_the_standardwebhooks_package_verifies_our_signatures(body: bytes, rotating: bool) -> None:
    key, previous = signing.new_key(), signing.new_key() if rotating else None
    now = int(time.time())
    signed = signing.headers(
        key=key, previous_key=previous, webhook_id="msg_1", timestamp_s=now, body=body,
    )  # fmt: skip
    assert Webhook("whsec_" + key).verify(body, signed) == json.loads(body)
    expected = Webhook("whsec_" + key).sign(
        "msg_1", datetime.fromtimestamp(now, UTC), body.decode()
    )
    assert signed["webhook-signature"].split(" ")[0] == expected
    if previous is not None:  # receivers still on the old key accept it during a rotation
        Webhook("whsec_" + previous).verify(body, signed)
    for wrong in (
        lambda: Webhook("whsec_" + signing.new_key()).verify(body, signed),
        lambda: Webhook("whsec_" + key).verify(body + b" ", signed),
        lambda: Webhook("whsec_" + key).verify(body, signed | {"webhook-id": "msg_2"}),
        lambda: Webhook("whsec_" + key).verify(
            body, signed | {"webhook-timestamp": str(now - 3600)}
        ),
    ):
        with pytest.raises(WebhookVerificationError):
            wrong()


def test_the_attempts_log_keeps_only_ids_timestamps_and_signatures() -> None:
    sent = {
        "webhook-id": "msg_1", "webhook-timestamp": "1", "webhook-signature": "v1,x",
        "x-sfmc-ens-signature": "y", "X-Hub-Signature-256": "sha256=z", "x-tidings-attempt": "1",
        "Authorization": "Bearer receiver-secret", "X-Custom": "sealed",
    }  # fmt: skip
    kept = results.signature_headers(sent)
    assert "Authorization" not in kept and "X-Custom" not in kept
    assert len(kept) == 6
