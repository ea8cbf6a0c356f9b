"""Settings read from the environment."""

from __future__ import annotations

import pytest

from app.errors import ConfigError
from app.settings import Settings


def test_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == "sqlite:///./data/tidings.db"
    assert settings.port == 8000
    assert settings.base_url == "http://127.0.0.1:8000/"


@pytest.mark.parametrize(
    ("env", "field", "expected"),
    [
        ({"PORT": "5000"}, "base_url", "http://127.0.0.1:5000/"),
        ({"TIDINGS_REPLAY_MAX_EVENTS": "500"}, "replay_max_events", 500),
        (
            {"TIDINGS_PUBLIC_URL": "https://mail.example.com"},
            "base_url",
            "https://mail.example.com/",
        ),
        ({"DATABASE_URL": "postgres://u@h/d"}, "database_url", "postgresql://u@h/d"),
        ({"TIDINGS_BOOTSTRAP_ACCOUNT_ID": "42"}, "bootstrap_account_id", 42),
        ({"TIDINGS_AUTH_CACHE_TTL_S": "0.5"}, "auth_cache_ttl_s", 0.5),
        ({}, "webhook_per_account", None),  # the share alone bounds an account
        ({"TIDINGS_WEBHOOK_PER_ACCOUNT": "30"}, "webhook_per_account", 30),
    ],
)
def test_environment_is_read(env: dict[str, str], field: str, expected: object) -> None:
    assert getattr(Settings.from_env(env), field) == expected


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PORT": "eighty"}, "PORT must be an integer"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL must start with"),
        ({"TIDINGS_AUTH_CACHE_TTL_S": "soon"}, "must be a number"),
        ({"TIDINGS_WEBHOOK_PER_ACCOUNT": "0"}, "TIDINGS_WEBHOOK_PER_ACCOUNT must be at least 1"),
    ],
)
def test_bad_values_are_clear_errors(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


SECRETS = (
    "TIDINGS_SECRET_KEY",
    "TIDINGS_BOOTSTRAP_CLIENT_SECRET",
    "TIDINGS_BOOTSTRAP_API_TOKEN",
    "TIDINGS_INBOUND_TOKEN",
    "TIDINGS_METRICS_TOKEN",
)


@pytest.mark.parametrize("name", SECRETS)
def test_short_secrets_stop_the_start_with_a_clear_error(name: str) -> None:
    with pytest.raises(ConfigError, match=f"{name} is 8 characters.*at least 32") as refused:
        Settings.from_env({name: "changeme"})
    assert "changeme" not in str(refused.value)  # the value itself is never echoed
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: "x" * 31})
    assert Settings.from_env({name: "x" * 32}) is not None
    assert Settings.from_env({name: ""}) is not None  # unset stays allowed
