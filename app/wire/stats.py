"""The stats API's queries (a time range, a series' grouping) and its answers."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationInfo, WithJsonSchema, field_validator

from app import clock
from app.wire.base import SfmcModel
from app.wire.errors import refuse
from app.wire.operations import _TIME, CallbackHealth, Latency, digits_as_ms
from app.wire.subscriptions import event_types

HOUR_MS = 3600 * 1000
DAY_MS = 24 * HOUR_MS
MAX_RANGE_MS = 400 * DAY_MS
MINUTE_MS = 60 * 1000
STEP_MS = {"minute": MINUTE_MS, "hour": HOUR_MS, "day": DAY_MS}
MAX_POINTS = 24 * 400
MAX_MINUTE_POINTS = 24 * 60  # minutes come from raw events: at most a day of them
_AT = "2024-03-21T09:00:00.000Z"


def _time(raw: Any, name: str, default: int) -> int:
    if raw is None or raw == "":
        return default
    at = digits_as_ms(raw)
    if isinstance(at, int) and at <= clock.LATEST_MS:
        return at
    try:
        return clock.parse_iso_ms(raw)
    except (ValueError, TypeError):
        raise refuse(
            "format",
            f"{name} must be an ISO 8601 time such as 2026-11-22T10:00:00Z, in the years"
            " 1-9999 (UTC)",
        ) from None


class StatsRange(SfmcModel):
    """``?from=&to=``: ISO 8601 times (no zone: UTC) or epoch milliseconds; default, the 24
    hours up to now. A bad value is a 400 naming it (``{"errors": {"from": [...]}}``)."""

    error_codes = {"until": 10005, "since": 10005, "granularity": 10005, "channel": 10005,
                   "event_type": 10005}  # fmt: skip

    until: Annotated[int, WithJsonSchema(_TIME)] = Field(
        None, alias="to", validate_default=True, description="Default: now",
        examples=["2024-03-22T00:00:00Z"],
    )  # fmt: skip
    since: Annotated[int, WithJsonSchema(_TIME)] = Field(
        None, alias="from", validate_default=True,
        description="Default: 24 hours before to; at most 400 days before it",
        examples=["2024-03-21T00:00:00Z"],
    )  # fmt: skip

    @field_validator("until", mode="before")
    @classmethod
    def _until(cls, raw: Any, info: ValidationInfo) -> int:
        return _time(raw, "to", int((info.context or {})["now"]))

    @field_validator("since", mode="before")
    @classmethod
    def _since(cls, raw: Any, info: ValidationInfo) -> int:
        if "until" not in info.data:
            return 0  # ``to`` failed: that is the error
        until = info.data["until"]
        since = _time(raw, "from", until - DAY_MS)
        if since < clock.EARLIEST_MS:
            raise refuse("range", "from must be after 0001-01-01T00:00:00Z")
        if since >= until:
            raise refuse("range", "from must be before to")
        if until - since > MAX_RANGE_MS:
            raise refuse("range", "the range may span at most 400 days")
        return since


def _definition_key(raw: Any) -> str | None:
    if raw in (None, ""):
        return None
    if not isinstance(raw, str) or len(raw) > 400:
        raise refuse("format", "definitionKey must be a definition's key")
    return raw


DefinitionKey = Annotated[str | None, BeforeValidator(_definition_key)]


class SummaryQuery(StatsRange):
    """``GET /api/v1/stats/summary``: the range, and optionally one definition."""

    error_codes = StatsRange.error_codes | {"definition_key": 10005}

    definition_key: DefinitionKey = Field(
        None, description="Only this definition's events, any casing (webhook figures stay"
        " the account's: a batch carries many definitions)", examples=["order-confirm"],
    )  # fmt: skip


def _granularity(raw: Any, info: ValidationInfo) -> str:
    """minute, hour or day, with at most MAX_MINUTE_POINTS or MAX_POINTS over the range."""
    if raw not in STEP_MS:
        raise refuse("format", "granularity must be minute, hour or day")
    if {"since", "until"} <= info.data.keys():
        step = STEP_MS[raw]
        start = info.data["since"] - info.data["since"] % step
        most = MAX_MINUTE_POINTS if raw == "minute" else MAX_POINTS
        if (info.data["until"] - start) // step > most:
            wider = "hour" if raw == "minute" else "day"
            raise refuse("range", f"too many points: use granularity={wider}")
    return str(raw)


class _Series(StatsRange):
    """A range cut in steps, on one channel or both, for one definition or all."""

    error_codes = StatsRange.error_codes | {"definition_key": 10005}

    granularity: str = Field(
        "hour", description="minute (at most 1,440 points), hour or day (at most 9,600)",
        examples=["day"], json_schema_extra={"enum": list(STEP_MS)},
    )  # fmt: skip
    channel: str | None = Field(
        None, description="email or sms (default: both)", examples=["email"],
        json_schema_extra={"enum": ["email", "sms"]},
    )  # fmt: skip
    definition_key: DefinitionKey = Field(
        None, description="Only this definition's events, any casing", examples=["order-confirm"]
    )

    @field_validator("granularity", mode="before")
    @classmethod
    def _granularity(cls, raw: Any, info: ValidationInfo) -> str:
        return _granularity(raw, info)

    @field_validator("channel", mode="before")
    @classmethod
    def _channel(cls, raw: Any) -> str | None:
        if raw in (None, ""):
            return None
        if raw not in ("email", "sms"):
            raise refuse("format", "channel must be email or sms")
        return str(raw)


class TimeseriesQuery(_Series):
    """``GET /api/v1/stats/timeseries``: the range, and how the counts are grouped."""

    event_type: str | None = Field(
        None, alias="type", description="One event type (default: all)", examples=["EmailSent"]
    )

    @field_validator("event_type", mode="before")
    @classmethod
    def _type(cls, raw: Any) -> str | None:
        return None if raw in (None, "") else event_types([raw])[0]


class LatencyQuery(_Series):
    """``GET /api/v1/stats/latency``: the range, its resolution, and the slice (what carried
    events of this channel and definition)."""


class Bounced(SfmcModel):
    total: int = Field(examples=[3])
    hard: int = Field(examples=[2])
    soft: int = Field(examples=[1])


class NotSentReason(SfmcModel):
    channel: str = Field(examples=["email"])
    status_code: str = Field(examples=["109"])
    reason: str = Field(examples=["Suppressed"])
    count: int = Field(examples=[4])


class BounceCount(SfmcModel):
    """Email: its enhanced status code (smtpReason); SMS: its receipt status code."""

    channel: str = Field(examples=["email"])
    bounce_code: str = Field(description="HARD or SOFT", examples=["HARD"])
    smtp_reason: str | None = Field(default=None, examples=["5.1.1"])
    status_code: str | None = Field(default=None, examples=["4500"])
    count: int = Field(examples=[2])


class Webhooks(SfmcModel):
    attempts: int = Field(examples=[40])
    successes: int = Field(examples=[39])
    success_rate: float | None = Field(examples=[0.975])
    first_attempt_success_rate: float | None = Field(examples=[0.97])
    events_delivered: int = Field(examples=[400])
    failures_by_class: dict[str, int] = Field(examples=[{"timeout": 1}])
    latency_ms: Latency
    backlog: int = Field(description="Events waiting now", examples=[0])


class StatsSummary(SfmcModel):
    """``GET /api/v1/stats/summary``: outcome counts and rates over the range."""

    since: str = Field(validation_alias="from", serialization_alias="from", examples=[_AT])
    until: str = Field(
        validation_alias="to", serialization_alias="to", examples=["2024-03-22T09:00:00.000Z"]
    )
    sent: int = Field(examples=[120])
    not_sent: int = Field(examples=[4])
    bounced: Bounced
    bounce_rate: float | None = Field(examples=[0.0242])
    delivery_success_rate: float | None = Field(examples=[0.9449])
    by_channel: dict[str, dict[str, int]] = Field(
        examples=[{"email": {"Sent": 120, "NotSent": 4, "Bounced": 3, "Delivered": 0}}]
    )
    not_sent_by_reason: list[NotSentReason]
    bounce_codes: list[BounceCount]
    webhooks: Webhooks


class Series(SfmcModel):
    type: str = Field(examples=["TransactionalSendEvents.EmailSent"])
    counts: list[int] = Field(description="One per time", examples=[[3, 0, 5]])


class StatsTimeseries(SfmcModel):
    """``GET /api/v1/stats/timeseries``: counts per event type and period."""

    since: str = Field(validation_alias="from", serialization_alias="from", examples=[_AT])
    until: str = Field(
        validation_alias="to", serialization_alias="to", examples=["2024-03-21T12:00:00.000Z"]
    )
    granularity: str = Field(examples=["hour"])
    times: list[str] = Field(description="Each period's start", examples=[[_AT]])
    series: list[Series]


class RecentEvent(SfmcModel):
    occurred_at: str = Field(examples=[_AT])
    type: str = Field(examples=["TransactionalSendEvents.EmailSent"])
    channel: str = Field(examples=["email"])
    to: str | None = Field(examples=["ana@example.com"])
    message_id: str | None = Field(
        description="Its message, as the message page and timeline name it",
        examples=["2b6c0a51-8f3e-4c1a-9d2e-5f7b8a9c0d1e"],
    )
    message_key: str | None = Field(examples=["order-1001"])
    definition_key: str | None = Field(examples=["order-confirm"])
    subject: str | None = Field(examples=["Your order"])
    detail: str | None = Field(examples=[None])
    reason: str | None = Field(examples=[None])


class StatsRecent(SfmcModel):
    """``GET /api/v1/stats/recent``: the newest outcomes."""

    events: list[RecentEvent]


class StatsCallbacks(SfmcModel):
    """``GET /api/v1/stats/callbacks``: every callback's health over the range."""

    since: str = Field(validation_alias="from", serialization_alias="from", examples=[_AT])
    until: str = Field(
        validation_alias="to", serialization_alias="to", examples=["2024-03-22T09:00:00.000Z"]
    )
    callbacks: list[CallbackHealth]


class Percentiles(SfmcModel):
    """One value per time (ms, one decimal); None where there was nothing to measure."""

    p50: list[float | None] = Field(examples=[[12.5, None]])
    p95: list[float | None] = Field(examples=[[40.0, None]])
    p99: list[float | None] = Field(examples=[[80.0, None]])


class StatsLatency(SfmcModel):
    """``GET /api/v1/stats/latency``: webhook POST latency and time to deliver (send accepted
    -> the successful POST that carried its event), as percentiles over time."""

    since: str = Field(validation_alias="from", serialization_alias="from", examples=[_AT])
    until: str = Field(
        validation_alias="to", serialization_alias="to", examples=["2024-03-21T10:00:00.000Z"]
    )
    granularity: str = Field(examples=["minute"])
    times: list[str] = Field(description="Each period's start", examples=[[_AT]])
    webhook_latency_ms: Percentiles
    time_to_deliver_ms: Percentiles
