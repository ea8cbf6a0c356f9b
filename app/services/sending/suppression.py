"""Suppression lists: addresses an account must not send to, from bounces or the operator."""

from __future__ import annotations

from typing import Any

from pydantic_core import PydanticCustomError

from app import clock
from app.errors import Invalid, NotFound
from app.storage import messages, suppressions
from app.storage.db import Db
from app.wire import suppressions as wire_suppressions
from app.wire.suppressions import SuppressionIn

# Only an unknown or invalid mailbox (RFC 3463 5.1.x) says the address itself is bad; a 5.7.x
# policy block or a content reject must not suppress a good address.
_ADDRESS_FAILURES = "5.1."


def normalise(address: Any) -> str:
    """The form addresses are stored and compared in: lower-cased email, or phone digits."""
    try:
        return wire_suppressions.normalise_address(address)
    except PydanticCustomError as exc:
        raise Invalid(exc.message(), field="address") from None


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
    db: Db, account_id: int, request: SuppressionIn, *, now: int
) -> tuple[suppressions.Suppression, bool]:
    """An operator's entry; (the entry, whether it is new). Adding twice keeps the first."""
    entry = suppressions.Suppression(
        account_id=account_id,
        address=request.address,
        reason=request.reason,
        source="operator",
        event_id=None,
        created_at=now,
    )
    created = await suppressions.add(db, entry)
    stored = await suppressions.get(db, account_id, entry.address)
    assert stored is not None
    return stored, created


async def page(
    db: Db, account_id: int, *, page: int, size: int, address: str | None
) -> tuple[list[suppressions.Suppression], int]:
    """One page of the list, oldest first; or only the entry for ``address``."""
    if address is None:
        return await suppressions.list_page(db, account_id, limit=size, offset=(page - 1) * size)
    found = await suppressions.get(db, account_id, normalise(address))
    return ([found], 1) if found else ([], 0)


async def remove(db: Db, account_id: int, address: str) -> None:
    if not await suppressions.remove(db, account_id, normalise(address)):
        raise NotFound(f"{address} is not on the suppression list")


def to_wire(entry: suppressions.Suppression) -> wire_suppressions.SuppressionOut:
    return wire_suppressions.SuppressionOut(
        address=entry.address,
        reason=entry.reason,
        source=entry.source,
        event_id=entry.event_id,
        created_date=clock.iso_utc(entry.created_at),
    )
