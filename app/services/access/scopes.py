"""The scopes Tidings knows, which credential kinds may hold them, and scope-string parsing."""

from __future__ import annotations

import functools

from app.errors import Invalid

# SFMC scope strings, spelled as real token responses spell them. Append only: access tokens
# carry scopes as a bitmask over this order.
CLIENT_SCOPES: tuple[str, ...] = (
    "email_read",
    "email_write",
    "email_send",
    "sms_read",
    "sms_write",
    "sms_send",
    "event_notification_callback_create",
    "event_notification_callback_read",
    "event_notification_callback_update",
    "event_notification_callback_delete",
    "event_notification_subscription_create",
    "event_notification_subscription_read",
    "event_notification_subscription_update",
    "event_notification_subscription_delete",
    "credentials_manage",
    "event_notification_portal_manage",
)

TOKEN_SCOPES: tuple[str, ...] = ("transactional_read", "transactional_write")

# What a client must hold to grant an API token's scope: every SFMC scope that opens the routes
# the token's scope opens (transactional_write sends, as email_send does, and writes
# suppressions, as email_write does).
_TOKEN_NEEDS: dict[str, tuple[str, ...]] = {
    "transactional_read": ("email_read",),
    "transactional_write": ("email_send", "email_write"),
}


def not_held(wanted: tuple[str, ...], held: frozenset[str]) -> list[str]:
    """The scopes of ``wanted`` a credential holding ``held`` may not grant (none escalates)."""
    return [
        scope for scope in wanted
        if scope not in held and not set(_TOKEN_NEEDS.get(scope, (scope,))) <= held
    ]  # fmt: skip


def parse(text: str, *, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """Split a space- or comma-separated scope string; unknown scopes are an error."""
    wanted = tuple(dict.fromkeys(part for part in text.replace(",", " ").split() if part))
    unknown = [scope for scope in wanted if scope not in allowed]
    if unknown:
        raise Invalid(f"unknown scope(s): {', '.join(unknown)}; known: {' '.join(allowed)}")
    return wanted


def join(scopes: tuple[str, ...] | list[str]) -> str:
    return " ".join(scopes)


def to_mask(granted: tuple[str, ...], *, order: tuple[str, ...] = CLIENT_SCOPES) -> int:
    """Scopes as bits over ``order`` (keeps tokens under SFMC's 512-character limit)."""
    return sum(1 << order.index(scope) for scope in granted)


@functools.lru_cache(maxsize=256)  # a token's mask, on every request it authorises
def from_mask(mask: int, *, order: tuple[str, ...] = CLIENT_SCOPES) -> frozenset[str]:
    return frozenset(scope for bit, scope in enumerate(order) if mask >> bit & 1)
