"""Pure parts of webhook delivery: the retry policy, signatures, key sealing."""

from __future__ import annotations

import random
import time
from email.utils import formatdate

import pytest

from app import settings
from app.delivery import policy, signing
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


def test_parse_schedule() -> None:
    assert settings.parse_schedule("5, 300,1800") == (5.0, 300.0, 1800.0)
    for bad in ("", "5,-1", "0", "x"):
        with pytest.raises(ValueError):
            settings.parse_schedule(bad)


def test_signatures_are_deterministic_and_key_specific() -> None:
    key = signing.new_key()
    assert len(key) == 44
    body = b'[{"a":1}]'
    assert signing.sfmc(key, body) == signing.sfmc(key, body)
    assert signing.sfmc(key, body) != signing.sfmc(key, body, encoding="utf8")
    assert signing.sfmc(key, body) != signing.sfmc(signing.new_key(), body)
    one = signing.headers(
        key=key, previous_key=None, encoding="base64", webhook_id="msg_1", timestamp_s=1, body=body
    )
    assert one["webhook-signature"].startswith("v1,") and " " not in one["webhook-signature"]
    two = signing.headers(
        key=key, previous_key=signing.new_key(), encoding="base64", webhook_id="msg_1",
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
