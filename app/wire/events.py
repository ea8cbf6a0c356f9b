"""The event types subscriptions name (canonical and short spellings) and their filters."""

from __future__ import annotations

from typing import Any

from app.wire.errors import refuse

PREFIX = "TransactionalSendEvents."
EVENT_TYPES = tuple(
    PREFIX + name
    for name in (
        "EmailSent",
        "EmailNotSent",
        "EmailBounced",
        "SmsSent",
        "SmsNotSent",
        "SmsTransient",
        "SmsDelivered",
        "SmsBounced",
    )
)
_BY_LOWER = {t.lower(): t for t in EVENT_TYPES} | {
    t.removeprefix(PREFIX).lower(): t for t in EVENT_TYPES
}
# Filterable names (SFMC): definitionKey everywhere; statusCode on NotSent; bounceCode and
# smtpReason on EmailBounced (and statusCode on SMS receipts).
FILTER_NAMES = ("definitionKey", "statusCode", "bounceCode", "smtpReason")


def canonical_types(raw: Any) -> list[str]:
    """Known types in canonical spelling (the status API's ``SMSSent`` is ``SmsSent``)."""
    if not isinstance(raw, list) or not raw or not all(isinstance(t, str) for t in raw):
        raise refuse("format", "eventCategoryTypes must be a non-empty array of strings")
    unknown = [t for t in raw if t.lower() not in _BY_LOWER]
    if unknown:
        raise refuse(
            "format",
            f"Unknown eventCategoryTypes: {', '.join(unknown)}; known: {', '.join(EVENT_TYPES)}",
        )
    return list(dict.fromkeys(_BY_LOWER[t.lower()] for t in raw))


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
