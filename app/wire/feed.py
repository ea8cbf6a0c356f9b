"""The pull feed (``GET /platform/v1/events``) and a callback's undelivered events."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StrictStr, field_validator

from app.wire.base import SfmcModel
from app.wire.events import canonical_types
from app.wire.operations import _TIME, _time

_CURSOR = "eyJ4IjowLCJpIjo0Mn0"
_TYPES_DOC = "Comma-separated event types (EmailBounced or TransactionalSendEvents.EmailBounced)"


def _limit(raw: Any) -> int:
    text = str(raw)
    if not (text.isascii() and text.isdigit() and len(text) <= 4 and 1 <= int(text) <= 1000):
        raise ValueError("out of range")
    return int(text)


def _types(raw: Any) -> list[str] | None:
    if raw is None:
        return None
    return canonical_types([t.strip() for t in str(raw).split(",") if t.strip()] or [""])


class EnsEvent(SfmcModel):
    """One event as a webhook batch carries it (SFMC ENS shape, with ``eventId``)."""

    model_config = {"extra": "allow"}

    event_category_type: str = Field(examples=["TransactionalSendEvents.EmailSent"])
    timestamp_utc: int = Field(alias="timestampUTC", examples=[1711011600000])
    composite_id: str = Field(examples=["NA.1.2b6c"])
    definition_key: str | None = Field(examples=["order-confirm"])
    definition_id: str | None = Field(examples=["f3c2"])
    mid: int = Field(examples=[1])
    eid: int = Field(examples=[1])
    info: dict[str, Any] = Field(examples=[{"messageKey": "order-A-1001"}])
    event_id: str = Field(examples=["5b1f0e0e-7c1d-4b7e-9a57-0b8f0f8a1c11"])


class FeedQuery(SfmcModel):
    """``?after=&types=&definitionKey=&limit=``: the page after a cursor (none: the start)."""

    error_messages = {
        "after": "after must be a cursor this feed returned (nextCursor)",
        "limit": "limit must be an integer from 1 to 1000",
    }
    error_codes = {"after": 10005, "types": 10005, "definition_key": 10005, "limit": 10005}

    after: StrictStr | None = Field(None, description="nextCursor of the previous page",
                                    examples=[_CURSOR], max_length=200)  # fmt: skip
    types: Annotated[list[str] | None, BeforeValidator(_types)] = Field(
        None, description=_TYPES_DOC, examples=["EmailBounced,EmailNotSent"],
        json_schema_extra={"type": "string"},
    )  # fmt: skip
    definition_key: StrictStr | None = Field(None, max_length=200, examples=["order-confirm"])
    limit: Annotated[int, BeforeValidator(_limit)] = Field(
        100, examples=[100], json_schema_extra={"type": "integer", "minimum": 1, "maximum": 1000}
    )


class FeedPage(SfmcModel):
    """Events in commit order; page on with ``nextCursor`` (the same cursor when none were
    new: ask again later). Every event appears exactly once across the pages."""

    items: list[EnsEvent]
    next_cursor: str = Field(examples=[_CURSOR])
    has_more: bool = Field(description="Another page is ready now", examples=[False])


class FailedQuery(SfmcModel):
    """``?since=&limit=``: the callback's events owed since then and not delivered."""

    error_codes = {"since": 10005, "limit": 10005, "after": 10005}
    error_messages = {"limit": "limit must be an integer from 1 to 1000"}

    since: int = Field(0, description="ISO 8601 (UTC) or epoch milliseconds; default: all",
                       examples=["2024-03-21T09:00:00Z"], json_schema_extra=_TIME)  # fmt: skip
    after: Annotated[int, BeforeValidator(lambda raw: _limit_id(raw))] = Field(
        0, description="nextAfter of the previous page", examples=[0],
        json_schema_extra={"type": "integer", "minimum": 0},
    )  # fmt: skip
    limit: Annotated[int, BeforeValidator(_limit)] = Field(
        100, examples=[100], json_schema_extra={"type": "integer", "minimum": 1, "maximum": 1000}
    )

    @field_validator("since", mode="before")
    @classmethod
    def _since(cls, raw: Any) -> int:
        return _time(int(raw) if isinstance(raw, str) and raw.isdigit() else raw, "since")


def _limit_id(raw: Any) -> int:
    text = str(raw)
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        raise ValueError("not a position")
    return int(text)


class Undelivered(SfmcModel):
    """An event owed to the callback that it has not accepted yet, and where it stands."""

    event: EnsEvent
    state: str = Field(description="waiting (not batched yet), held (paused subscription),"
                       " pending (retrying), sending, failed (given up)",
                       examples=["pending"])  # fmt: skip
    attempts: int = Field(examples=[3])
    last_error: str | None = Field(examples=["http_status"])


class FailedPage(SfmcModel):
    items: list[Undelivered]
    next_after: int = Field(description="Page on with ?after=", examples=[0])
    has_more: bool = Field(examples=[False])
