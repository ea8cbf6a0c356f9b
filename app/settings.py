"""Every environment variable Tidings reads, read once, typed; nothing else reads os.environ."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping

DEFAULT_DATABASE_URL = "sqlite:///./data/tidings.db"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
Rate = tuple[int, float]  # a token bucket: this many requests, refilled over this many seconds
# Every secret Tidings is given or makes: the master key, the bootstrap credentials, the inbound
# and metrics tokens, client secrets and API tokens. Stored secrets are kept as a fast hash and
# the master key is used as HMAC key material, so length is what stands against guessing.
MIN_SECRET_LENGTH = 32
# Webhook retries: a fast first one, then spaced out over a week (Svix/Standard Webhooks
# practice); the last step repeats. Read here, applied by app.delivery.policy.
DEFAULT_RETRY_SCHEDULE_S = (5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)


ROLES = ("all", "api", "worker")


class ConfigError(Exception):
    """The environment asks for something Tidings cannot do; raised at startup."""


@dataclasses.dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    public_url: str = ""  # empty: http://127.0.0.1:<port>/
    secret_key: str = ""  # empty: a random key is generated once and kept in the database
    access_token_ttl_s: int = 1200
    auth_cache_ttl_s: float = 5.0
    db_busy_timeout_s: float = 5.0
    log_level: str = "info"
    bootstrap_client_id: str = ""
    bootstrap_client_secret: str = ""
    bootstrap_account_id: int | None = None
    bootstrap_api_token: str = ""
    smtp_url: str = ""  # empty: the sandbox delivers email
    sms_gateway_url: str = ""  # empty: the sandbox delivers SMS
    sms_gateway_authorization: str = ""
    from_address: str = "no-reply@tidings.localhost"
    from_name: str = "Tidings"
    bounce_domain: str = ""  # empty: the domain of from_address
    inbound_token: str = ""  # empty: /inbound/* is closed
    message_key_window_s: int = 72 * 3600
    queue_window_s: int = 3 * 24 * 3600
    send_retry_window_s: int = 3600
    send_concurrency: int = 10
    # At most this many of one account's messages in one sender pass (a pass claims four times
    # send_concurrency); accounts with due messages take turns, so a backlog cannot hold up others.
    send_per_account: int = 20
    # How long a claimed message is the claimant's: after a crash it is sent again once this has
    # passed. Keep it above the SMTP timeout (30 s) or a slow send may go out twice.
    send_lease_s: int = 120
    sweep_interval_s: float = 1.0
    allow_private_callbacks: bool = False  # development: http and private addresses allowed
    webhook_timeout_s: float = 10.0
    webhook_concurrency: int = 50
    webhook_per_callback: int = 8
    # At most this many of one account's webhook POSTs in flight per process. None: no bound
    # beyond the account's share, which alone is every slot but the reserve kept for accounts
    # with nothing in flight (app.services.fairshare). Accounts with due batches take turns.
    webhook_per_account: int | None = None
    callbacks_per_account: int = 50
    subscriptions_per_account: int = 200
    webhook_retry_schedule_s: tuple[float, ...] = DEFAULT_RETRY_SCHEDULE_S
    webhook_retry_window_s: int = 7 * 86400
    webhook_breaker_s: int = 3 * 86400  # failing this long without a success disables
    webhook_key_grace_s: int = 86400  # ens-regenerate: the old key signs too for this long
    webhook_retention_s: int = 7 * 86400  # delivered batches and attempts are kept this long
    replay_max_events: int = 10_000  # events one replay call queues; the answer says where to go on
    probe_timeout_s: float = 10.0
    metrics_token: str = ""  # empty: /metrics is open (bind it to a private network)
    event_retention_s: int = 30 * 86400  # raw events; the rollups are kept
    max_body_bytes: int = 5 * 1024 * 1024  # larger request bodies get a 413
    # Token buckets: (requests, per seconds); None is no limit. Per process.
    rate_limit_client: Rate | None = (1000, 1.0)
    rate_limit_account: Rate | None = (2000, 1.0)
    rate_limit_token_client: Rate | None = (30, 60.0)  # wrong secrets per (address, client_id)
    rate_limit_token_address: Rate | None = (60, 60.0)  # secret checks per remote address
    log_format: str = "text"  # or json
    # Connections (app/connections.py): None derives the bound from the open-file limit at start.
    max_connections: int | None = None
    max_header_bytes: int = 16 * 1024  # request line and headers; larger get a 431
    header_timeout_s: float = 10.0  # a request's headers must arrive within this (else 408)
    body_timeout_s: float = 30.0  # and its body within this after them (else 408)
    keep_alive_s: int = 5  # an idle keep-alive connection is closed after this
    forwarded_allow_ips: str = "127.0.0.1,::1"  # proxies whose X-Forwarded-For is believed
    listen_per_account: int = 5  # open `tidings listen` streams per account (per process)
    listen_poll_s: float = 0.5  # how often a listen stream looks for newly committed events
    listen_replay_max_events: int = 1000  # --since-minutes replays at most this many events
    listen_max_s: float = 3600.0  # a stream ends after this; the CLI resumes where it was
    # On SIGTERM, requests still open after this are cancelled: listen streams would otherwise
    # hold the stop forever (their CLIs reconnect, to this process's successor).
    shutdown_grace_s: int = 5
    # The client commands (listen, trigger): the server they talk to, and as whom.
    cli_url: str = "http://127.0.0.1:8000/"
    cli_client_id: str = ""
    cli_client_secret: str = ""
    # What a process runs (PostgreSQL only for api/worker): "all" the HTTP API and the
    # background work, "api" only the API, "worker" only the background work (and /healthz).
    role: str = "all"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            database_url=_database_url(env.get("DATABASE_URL", DEFAULT_DATABASE_URL)),
            port=_int(env, "PORT", DEFAULT_PORT),
            public_url=env.get("TIDINGS_PUBLIC_URL", ""),
            secret_key=_secret(env, "TIDINGS_SECRET_KEY"),
            access_token_ttl_s=_int(env, "TIDINGS_ACCESS_TOKEN_TTL_S", 1200),
            auth_cache_ttl_s=_float(env, "TIDINGS_AUTH_CACHE_TTL_S", 5.0),
            db_busy_timeout_s=_float(env, "TIDINGS_DB_BUSY_TIMEOUT_S", 5.0),
            log_level=env.get("TIDINGS_LOG_LEVEL", "info").lower(),
            bootstrap_client_id=env.get("TIDINGS_BOOTSTRAP_CLIENT_ID", ""),
            bootstrap_client_secret=_secret(env, "TIDINGS_BOOTSTRAP_CLIENT_SECRET"),
            bootstrap_account_id=_optional_int(env, "TIDINGS_BOOTSTRAP_ACCOUNT_ID"),
            bootstrap_api_token=_secret(env, "TIDINGS_BOOTSTRAP_API_TOKEN"),
            smtp_url=env.get("TIDINGS_SMTP_URL", ""),
            sms_gateway_url=env.get("TIDINGS_SMS_GATEWAY_URL", ""),
            sms_gateway_authorization=env.get("TIDINGS_SMS_GATEWAY_AUTHORIZATION", ""),
            from_address=env.get("TIDINGS_FROM_ADDRESS", "no-reply@tidings.localhost"),
            from_name=env.get("TIDINGS_FROM_NAME", "Tidings"),
            bounce_domain=env.get("TIDINGS_BOUNCE_DOMAIN", ""),
            inbound_token=_secret(env, "TIDINGS_INBOUND_TOKEN"),
            message_key_window_s=_int(env, "TIDINGS_MESSAGE_KEY_WINDOW_S", 72 * 3600),
            queue_window_s=_int(env, "TIDINGS_QUEUE_WINDOW_S", 3 * 24 * 3600),
            send_retry_window_s=_int(env, "TIDINGS_SEND_RETRY_WINDOW_S", 3600),
            send_concurrency=_int(env, "TIDINGS_SEND_CONCURRENCY", 10),
            send_per_account=_int(env, "TIDINGS_SEND_PER_ACCOUNT", 20),
            send_lease_s=_int(env, "TIDINGS_SEND_LEASE_S", 120),
            sweep_interval_s=_float(env, "TIDINGS_SWEEP_INTERVAL_S", 1.0),
            allow_private_callbacks=_bool(env, "TIDINGS_ALLOW_PRIVATE_CALLBACKS"),
            webhook_timeout_s=_float(env, "TIDINGS_WEBHOOK_TIMEOUT_S", 10.0),
            webhook_concurrency=_int(env, "TIDINGS_WEBHOOK_CONCURRENCY", 50),
            webhook_per_callback=_int(env, "TIDINGS_WEBHOOK_PER_CALLBACK", 8),
            webhook_per_account=_optional_positive(env, "TIDINGS_WEBHOOK_PER_ACCOUNT"),
            callbacks_per_account=_int(env, "TIDINGS_CALLBACKS_PER_ACCOUNT", 50),
            subscriptions_per_account=_int(env, "TIDINGS_SUBSCRIPTIONS_PER_ACCOUNT", 200),
            webhook_retry_schedule_s=_schedule(env, "TIDINGS_WEBHOOK_RETRY_SCHEDULE_S"),
            webhook_retry_window_s=_int(env, "TIDINGS_WEBHOOK_RETRY_WINDOW_S", 7 * 86400),
            webhook_breaker_s=_int(env, "TIDINGS_WEBHOOK_BREAKER_S", 3 * 86400),
            webhook_key_grace_s=_int(env, "TIDINGS_WEBHOOK_KEY_GRACE_S", 86400),
            webhook_retention_s=_int(env, "TIDINGS_WEBHOOK_RETENTION_S", 7 * 86400),
            replay_max_events=_int(env, "TIDINGS_REPLAY_MAX_EVENTS", 10_000),
            probe_timeout_s=_float(env, "TIDINGS_PROBE_TIMEOUT_S", 10.0),
            metrics_token=_secret(env, "TIDINGS_METRICS_TOKEN"),
            event_retention_s=_int(env, "TIDINGS_EVENT_RETENTION_S", 30 * 86400),
            max_body_bytes=_int(env, "TIDINGS_MAX_BODY_BYTES", 5 * 1024 * 1024),
            rate_limit_client=_rate(env, "TIDINGS_RATE_LIMIT_CLIENT", "1000/s"),
            rate_limit_account=_rate(env, "TIDINGS_RATE_LIMIT_ACCOUNT", "2000/s"),
            rate_limit_token_client=_rate(env, "TIDINGS_RATE_LIMIT_TOKEN_CLIENT", "30/min"),
            rate_limit_token_address=_rate(env, "TIDINGS_RATE_LIMIT_TOKEN_ADDRESS", "60/min"),
            log_format=_choice(env, "TIDINGS_LOG_FORMAT", "text", ("text", "json")),
            max_connections=_optional_positive(env, "TIDINGS_MAX_CONNECTIONS"),
            max_header_bytes=_positive(env, "TIDINGS_MAX_HEADER_BYTES", 16 * 1024),
            header_timeout_s=_seconds(env, "TIDINGS_HEADER_TIMEOUT_S", 10.0),
            body_timeout_s=_seconds(env, "TIDINGS_BODY_TIMEOUT_S", 30.0),
            keep_alive_s=_positive(env, "TIDINGS_KEEP_ALIVE_S", 5),
            forwarded_allow_ips=env.get("TIDINGS_FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
            listen_per_account=_positive(env, "TIDINGS_LISTEN_PER_ACCOUNT", 5),
            listen_poll_s=_seconds(env, "TIDINGS_LISTEN_POLL_S", 0.5),
            listen_replay_max_events=_positive(env, "TIDINGS_LISTEN_REPLAY_MAX_EVENTS", 1000),
            listen_max_s=_seconds(env, "TIDINGS_LISTEN_MAX_S", 3600.0),
            shutdown_grace_s=_positive(env, "TIDINGS_SHUTDOWN_GRACE_S", 5),
            cli_url=env.get("TIDINGS_URL", "http://127.0.0.1:8000/"),
            cli_client_id=env.get("TIDINGS_CLIENT_ID", ""),
            cli_client_secret=env.get("TIDINGS_CLIENT_SECRET", ""),
            role=_choice(env, "TIDINGS_ROLE", "all", ROLES),
        )

    def replace(self, **changes: object) -> Settings:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    @property
    def envelope_domain(self) -> str:
        return self.bounce_domain or self.from_address.rpartition("@")[2]

    @property
    def base_url(self) -> str:
        """The public base URL, always ending in ``/`` (SFMC clients append paths to it)."""
        url = self.public_url or f"http://127.0.0.1:{self.port}/"
        return url if url.endswith("/") else url + "/"


def _database_url(url: str) -> str:
    # Heroku-style URLs say postgres://; normalised to the standard postgresql://.
    if url.startswith("postgres://"):
        return "postgresql://" + url.removeprefix("postgres://")
    if not url.startswith(("sqlite://", "postgresql://")):
        raise ConfigError(f"DATABASE_URL must start with sqlite:// or postgresql://, got {url!r}")
    return url


_PERIODS = {"s": 1.0, "min": 60.0, "h": 3600.0}


def _rate(env: Mapping[str, str], name: str, default: str) -> Rate | None:
    """``N/s``, ``N/min`` or ``N/h`` (a bucket of N refilled over the period), or ``off``."""
    raw = env.get(name, default).strip().lower()
    if raw in ("off", "0", "none"):
        return None
    count, _, period = raw.partition("/")
    if not count.isdigit() or int(count) < 1 or period not in _PERIODS:
        raise ConfigError(f"{name} must look like 100/s, 30/min or 1000/h, or be off; got {raw!r}")
    return int(count), _PERIODS[period]


def _secret(env: Mapping[str, str], name: str) -> str:
    """A secret setting: unset, or at least ``MIN_SECRET_LENGTH`` characters (never echoed)."""
    value = env.get(name, "")
    if value and len(value) < MIN_SECRET_LENGTH:
        raise ConfigError(
            f"{name} is {len(value)} characters; secrets must be at least {MIN_SECRET_LENGTH}"
            " random characters (for example: python -c 'import secrets;"
            " print(secrets.token_urlsafe(32))')"
        )
    return value


def _choice(env: Mapping[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = env.get(name, default).strip().lower()
    if value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
    return value


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    value = _optional_int(env, name)
    return default if value is None else value


def _optional_int(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    value = _optional_positive(env, name)
    return default if value is None else value


def _optional_positive(env: Mapping[str, str], name: str) -> int | None:
    value = _optional_int(env, name)
    if value is not None and value < 1:
        raise ConfigError(f"{name} must be at least 1, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    try:
        return float(raw) if raw else default
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    value = _float(env, name, default)
    if value <= 0:
        raise ConfigError(f"{name} must be more than 0, got {value}")
    return value


def _bool(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _schedule(env: Mapping[str, str], name: str) -> tuple[float, ...]:
    raw = env.get(name, "").strip()
    try:
        return parse_schedule(raw) if raw else DEFAULT_RETRY_SCHEDULE_S
    except ValueError as exc:
        raise ConfigError(f"{name}: {exc}, got {raw!r}") from None


def parse_schedule(text: str) -> tuple[float, ...]:
    """``"5,300,1800"`` → (5.0, 300.0, 1800.0); every step positive."""
    steps = tuple(float(part) for part in text.split(",") if part.strip())
    if not steps or any(step <= 0 for step in steps):
        raise ValueError("a retry schedule is a comma-separated list of positive seconds")
    return steps
