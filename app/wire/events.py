"""The event types a subscription (or a replay, or a stats series) names, in any accepted
spelling, and the filters it may set; both checked here, named in the vocabulary."""

from __future__ import annotations

from typing import Any

from app.wire import vocabulary
from app.wire.errors import refuse

# Filterable names (SFMC): definitionKey everywhere, and the fields that say why of each type
# (statusCode on NotSent and SMS receipts, bounceCode and smtpReason on EmailBounced).
FILTER_NAMES = (
    "definitionKey",
    *dict.fromkeys(f for t in vocabulary.EventType for f in t.detail_fields),
)
# Every spelling a request may use: canonical, and without the prefix.
SPELLINGS = sorted({*vocabulary.EventType, *(t.short for t in vocabulary.EventType)})


def canonical_types(raw: Any) -> list[str]:
    """Known types in canonical spelling (the status API's ``SMSSent`` is ``SmsSent``)."""
    if not isinstance(raw, list) or not raw or not all(isinstance(t, str) for t in raw):
        raise refuse("format", "eventCategoryTypes must be a non-empty array of strings")
    found = [vocabulary.EventType.lookup(t) for t in raw]
    unknown = [t for t, known in zip(raw, found, strict=True) if known is None]
    if unknown:
        known_types = ", ".join(vocabulary.EventType)
        raise refuse(
            "format", f"Unknown eventCategoryTypes: {', '.join(unknown)}; known: {known_types}"
        )
    return list(dict.fromkeys(t.value for t in found if t is not None))


def parse_filters(raw: Any) -> list[str]:
    """``["definitionKey=order-confirm"]`` (``:`` tolerated); blank entries dropped."""
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(f, str) for f in raw):
        raise refuse("format", "filters must be an array of 'name=value' strings")
    parsed = []
    for entry in raw:
        if not entry.strip():
            continue
        name, sep, value = entry.partition("=") if "=" in entry else entry.partition(":")
        name = name.strip()
        if not sep or name not in FILTER_NAMES or not value.strip():
            raise refuse(
                "format",
                f"Filter {entry!r} must be name=value with name one of {', '.join(FILTER_NAMES)}",
            )
        parsed.append(f"{name}={value.strip()}")
    return parsed
