"""Operating a callback (Tidings extensions): replay, the attempt log, health, a test send."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    Field,
    StrictBool,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.config import JsonDict

from app import clock
from app.wire.base import SfmcModel
from app.wire.errors import refuse
from app.wire.subscriptions import event_types

_ID = "8f14e45f-ceea-467a-9a36-dedd4bea2543"
_AT = "2024-03-21T09:00:00.000Z"
_TIME: JsonDict = {"anyOf": [{"type": "string", "format": "date-time"},
                   {"type": "integer", "minimum": 0, "maximum": clock.LATEST_MS}]}  # fmt: skip


def _time(raw: Any, field: str) -> int:
    if isinstance(raw, int) and not isinstance(raw, bool) and 0 <= raw <= clock.LATEST_MS:
        return raw
    if isinstance(raw, str):
        try:
            return clock.parse_iso_ms(raw)
        except ValueError:
            pass
    raise refuse(
        "format",
        f"{field} must be an ISO 8601 time in the years 1-9999 (UTC) or epoch milliseconds",
    )


def digits_as_ms(raw: Any) -> Any:
    """Epoch milliseconds written as digits (a query string carries them as text) as an int;
    anything else as it is."""
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 16:
        return int(raw)
    return raw


class ReplayIn(SfmcModel):
    """``POST …/replay``: deliver again the events in [from, to) that the callback's active
    subscriptions select, optionally only some of their types."""

    not_an_object = "Request body must be an object with from, to and eventCategoryTypes"
    error_codes = {"since": 10001, "until": 10001, "event_category_types": 10001, "dry_run": 10001}
    error_messages = {"dry_run": "dryRun must be true or false"}

    since: int = Field(
        alias="from", description="ISO 8601 (UTC) or epoch milliseconds", examples=[_AT],
        json_schema_extra=_TIME,
    )  # fmt: skip
    until: int = Field(  # the default is validated: now
        None, alias="to", validate_default=True, description="Default: now; after from",
        examples=["2024-03-21T10:00:00.000Z"], json_schema_extra=_TIME,
    )  # fmt: skip
    event_category_types: Annotated[list[str] | None, BeforeValidator(event_types)] = Field(
        None, description="Only these of the subscribed types (default: all of them)",
        examples=[["TransactionalSendEvents.EmailBounced"]],
    )  # fmt: skip
    dry_run: StrictBool = Field(
        False, description="Only count what would be queued; queue nothing", examples=[False]
    )

    @model_validator(mode="before")
    @classmethod
    def _from_named(cls, raw: Any) -> Any:
        """Leaving ``from`` out is refused in the words used for a wrong value."""
        return {"from": None} | raw if isinstance(raw, dict) else raw

    @field_validator("since", mode="before")
    @classmethod
    def _since(cls, raw: Any) -> int:
        return _time(raw, "from")

    @field_validator("until", mode="before")
    @classmethod
    def _until(cls, raw: Any, info: ValidationInfo) -> int:
        until = int((info.context or {})["now"]) if raw is None else _time(raw, "to")
        if "since" in info.data and until <= info.data["since"]:
            raise refuse("order", "to must be after from")
        return until


class Replayed(SfmcModel):
    """What a replay queued (with ``dryRun``: would queue, nothing queued); ``truncated``: call
    again from ``nextFrom`` for the rest."""

    callback_id: str = Field(examples=[_ID])
    queued: int = Field(examples=[120])
    since: str = Field(validation_alias="from", serialization_alias="from", examples=[_AT])
    until: str = Field(
        validation_alias="to", serialization_alias="to", examples=["2024-03-21T10:00:00.000Z"]
    )
    event_category_types: list[str] = Field(examples=[["TransactionalSendEvents.EmailSent"]])
    truncated: bool = Field(examples=[False])
    next_from: str | None = Field(examples=[None])
    dry_run: bool = Field(False, examples=[False])


class AttemptOut(SfmcModel):
    """One POST of a batch to the callback."""

    attempt_id: int = Field(examples=[4711])
    attempted_at: str = Field(examples=[_AT])
    batch_id: str | None = Field(description="None: a test send", examples=["815"])
    events: int = Field(description="Events in the batch", examples=[25])
    ok: bool = Field(examples=[True])
    status_code: int | None = Field(description="None: no HTTP answer", examples=[200])
    latency_ms: int = Field(examples=[42])
    error_class: str | None = Field(examples=[None])
    response_excerpt: str | None = Field(examples=["ok"])


class AttemptPage(SfmcModel):
    """``GET …/attempts``: newest first; ``nextBeforeId`` pages on."""

    callback_id: str = Field(examples=[_ID])
    count: int = Field(examples=[1])
    attempts: list[AttemptOut]
    next_before_id: int | None = Field(examples=[None])


class Latency(SfmcModel):
    p50: float | None = Field(examples=[40])
    p95: float | None = Field(examples=[120])
    p99: float | None = Field(examples=[250])
    mean: float | None = Field(examples=[55])


class CallbackHealth(SfmcModel):
    """A callback's delivery health over a range (rollups), and its backlog now."""

    callback_id: str = Field(examples=[_ID])
    callback_name: str = Field(examples=["orders"])
    url: str = Field(examples=["https://hooks.example.com/tidings"])
    state: str = Field(description="healthy, failing, unverified or disabled",
                       examples=["healthy"])  # fmt: skip
    status: str = Field(examples=["verified"])
    status_reason: str = Field(examples=["none"])
    attempts: int = Field(examples=[12])
    success_rate: float | None = Field(examples=[1.0])
    first_attempt_success_rate: float | None = Field(examples=[1.0])
    latency_ms: Latency
    failures_by_class: dict[str, int] = Field(examples=[{"timeout": 1}])
    backlog: int = Field(description="Events waiting", examples=[0])
    held: int = Field(description="Events held by paused subscriptions", examples=[0])
    failed_batches: int = Field(examples=[0])
    oldest_pending_age_seconds: int | None = Field(examples=[None])
    last_success_at: str | None = Field(examples=[_AT])
    failing_since: str | None = Field(examples=[None])
    last_error: str | None = Field(examples=[None])


class TestSent(SfmcModel):
    """The receiver's answer to a signed sample event."""

    callback_id: str = Field(examples=[_ID])
    ok: bool = Field(examples=[True])
    status_code: int | None = Field(examples=[200])
    latency_ms: int = Field(examples=[35])
    error_class: str | None = Field(examples=[None])
    response_excerpt: str = Field(examples=["ok"])
