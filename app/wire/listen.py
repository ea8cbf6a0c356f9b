"""``GET /platform/v1/listen``: what a `tidings listen` stream asks for."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator

from app.wire.base import SfmcModel
from app.wire.events import parse_filters
from app.wire.feed import _TYPES_DOC, _types


def _minutes(raw: Any) -> int:
    text = str(raw)
    if not (text.isascii() and text.isdigit() and len(text) <= 4 and int(text) <= 1440):
        raise ValueError("out of range")
    return int(text)


class ListenQuery(SfmcModel):
    """Which events the stream carries, and how far back it starts."""

    error_messages = {
        "since_minutes": "sinceMinutes must be an integer from 0 to 1440",
        "filter": "filter must be definitionKey=<key>",
    }
    error_codes = {"events": 10005, "filter": 10005, "since_minutes": 10005}

    events: Annotated[list[str] | None, BeforeValidator(_types)] = Field(
        None, description=_TYPES_DOC, examples=["EmailBounced,EmailSent"],
        json_schema_extra={"type": "string"},
    )  # fmt: skip
    filter: str | None = Field(
        None, description="definitionKey=<key>: only that definition's events",
        examples=["definitionKey=order-confirm"], max_length=300,
    )  # fmt: skip
    since_minutes: Annotated[int, BeforeValidator(_minutes)] = Field(
        0, description="Replay the events of the last minutes first (at most"
        " TIDINGS_LISTEN_REPLAY_MAX_EVENTS)", examples=[10],
        json_schema_extra={"type": "integer", "minimum": 0, "maximum": 1440},
    )  # fmt: skip

    @field_validator("filter")
    @classmethod
    def _definition_key_only(cls, raw: str | None) -> str | None:
        if raw is None:
            return None
        [parsed] = parse_filters([raw]) or [""]
        name, _, value = parsed.partition("=")
        if name != "definitionKey":
            raise ValueError("only definitionKey")
        return value

    @property
    def definition_key(self) -> str | None:
        return self.filter
