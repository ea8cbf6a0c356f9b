"""Suppression lists: addresses an account must not send to, from bounces or the operator."""

from __future__ import annotations

from typing import Any

from app import clock
from app.errors import Invalid, NotFound
from app.services.sending import validate
from app.storage import messages, suppressions
from app.storage.db import Db

# Only an unknown or invalid mailbox (RFC 3463 5.1.x) says the address itself is bad; a 5.7.x
# policy block or a content reject must not suppress a good address.
_ADDRESS_FAILURES = "5.1."


def normalise(address: Any) -> str:
    """The form addresses are stored and compared in: lower-cased email, or phone digits."""
    if validate.is_email(address):
        return str(address).lower()
    digits = validate.phone_digits(address)
    if digits is None:
        raise Invalid("is not an email address or an E.164 phone number", field="address")
    return digits


async def after_bounce(
    db: Db, message: messages.Message, enhanced_code: str, event_id: str, *, now: int
) -> bool:
    """A hard bounce for a bad mailbox (5.1.x) keeps the address from later sends."""
    if message.channel != "email" or not enhanced_code.startswith(_ADDRESS_FAILURES):
        return False
    await suppressions.add(
        db,
        suppressions.Suppression(
            account_id=message.account_id,
            address=message.recipient.lower(),
            reason=f"hard bounce {enhanced_code}",
            source="bounce",
            event_id=event_id,
            created_at=now,
        ),
    )
    return True


async def add(
    db: Db, account_id: int, body: Any, *, now: int
) -> tuple[suppressions.Suppression, bool]:
    """An operator's entry; (the entry, whether it is new). Adding twice keeps the first."""
    if not isinstance(body, dict):
        raise Invalid("Request body must be a JSON object")
    reason = body.get("reason", "added by operator")
    if not isinstance(reason, str) or len(reason) > 500:
        raise Invalid("must be a string of at most 500 characters", field="reason")
    entry = suppressions.Suppression(
        account_id=account_id,
        address=normalise(body.get("address")),
        reason=reason,
        source="operator",
        event_id=None,
        created_at=now,
    )
    created = await suppressions.add(db, entry)
    stored = await suppressions.get(db, account_id, entry.address)
    assert stored is not None
    return stored, created


async def find(
    db: Db, account_id: int, address: str | None, *, limit: int, offset: int
) -> tuple[list[suppressions.Suppression], int]:
    """The entry for ``address`` (none or one), or one page of all, oldest first; and the total."""
    if address is not None:
        found = await suppressions.get(db, account_id, normalise(address))
        return ([found], 1) if found else ([], 0)
    return await suppressions.list_page(db, account_id, limit=limit, offset=offset)


async def remove(db: Db, account_id: int, address: str) -> None:
    if not await suppressions.remove(db, account_id, normalise(address)):
        raise NotFound(f"{address} is not on the suppression list")


def to_wire(entry: suppressions.Suppression) -> dict[str, Any]:
    return {
        "address": entry.address,
        "reason": entry.reason,
        "source": entry.source,
        "eventId": entry.event_id,
        "createdDate": clock.iso_utc(entry.created_at),
    }
