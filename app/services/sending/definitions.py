"""SFMC send definitions (email and SMS): merge-patch, archive-on-delete, queue."""

from __future__ import annotations

import copy
import secrets
import time
import weakref
from typing import Any

from app import clock, ids, wire
from app.errors import Conflict, Invalid, NotFound
from app.services.sending import outcomes
from app.services.wakeups import Wakeups
from app.storage import assets, definitions, messages
from app.storage.db import Db
from app.wire import definitions as shapes
from app.wire import vocabulary

Definition = definitions.Definition
DefinitionIn = shapes.EmailDefinitionIn | shapes.SmsDefinitionIn
_STORED = {"description", "classification", "content", "subscriptions", "options"}


async def _stored_body(db: Db, account_id: int, body: DefinitionIn) -> dict[str, Any]:
    """The definition's stored body; its content asset must exist in the account."""
    if isinstance(body, shapes.EmailDefinitionIn):
        key = body.content.customer_key
        if await assets.get_by_key(db, account_id, key) is None:
            raise Invalid(
                f"{shapes.INVALID}: content.customerKey {key!r} is not a content asset of this "
                "account", code=10005, field="content.customerKey",
            )  # fmt: skip
    return body.model_dump(include=_STORED, by_alias=True, exclude_none=True)


async def create(
    db: Db, account_id: int, channel: str, body: DefinitionIn, *, now: int
) -> Definition:
    """Store a new definition; its key and name must be new in the channel."""
    shaped = await _stored_body(db, account_id, body)
    definition = Definition(
        id=ids.uuid4(),
        account_id=account_id,
        channel=channel,
        definition_key=body.definition_key,
        name=body.name,
        status=body.status,
        body=shaped,
        created_at=now,
        modified_at=now,
    )
    async with db.write():
        if await definitions.get_by_key(db, account_id, channel, definition.definition_key):
            raise Conflict(
                "MCMS_UTM_Runtime_ObjectAlreadyExists: a definition with this key exists",
                code=30004,
            )
        if await definitions.name_taken(db, account_id, channel, definition.name, other_than=""):
            raise Conflict("MCMS_UTM_Runtime_ObjectAlreadyExists: the name is taken", code=30004)
        await definitions.insert(db, definition)
    return definition


# How long a send may use a definition this process read earlier. Changes made here are seen
# at once (``_forget`` after each commit); another process's within this many seconds. Only the
# accepting side uses it: the sender reads the definition afresh, so a message accepted for a
# definition just paused or deleted elsewhere is held, or ends NotSent, as it would have been.
# Only Active definitions are kept: a message accepted for an Inactive one is stored held, and
# a stale Inactive copy would hold it after another process's re-activation released the queue,
# with nothing to release it again.
RECENT_TTL_S = 1.0


class _Recent:
    """One Db's cached definitions, and how many changes this process has made (a read that
    began before a change keeps what it read to itself)."""

    def __init__(self) -> None:
        self.held: dict[tuple[int, str, str], tuple[float, Definition]] = {}
        self.changes = 0


_recent: weakref.WeakKeyDictionary[Db, _Recent] = weakref.WeakKeyDictionary()


async def for_send(db: Db, account_id: int, channel: str, key: str) -> Definition | None:
    """The definition a send names, read at most once per ``RECENT_TTL_S`` (one point read
    was a tenth of a single send's time)."""
    cache = _recent.get(db)
    if cache is None:  # not setdefault: that makes a weak reference on every call
        cache = _recent[db] = _Recent()
    name = (account_id, channel, key.lower())
    held = cache.held.get(name)
    if held is not None and time.monotonic() - held[0] < RECENT_TTL_S:
        return held[1]
    changes = cache.changes
    found = await definitions.get_by_key(db, account_id, channel, key)
    if found is None or not found.is_active or changes != cache.changes:
        cache.held.pop(name, None)  # not kept: read afresh by the next send
    else:
        if len(cache.held) >= 10_000:  # bounded: many accounts' keys cannot grow it for ever
            cache.held.clear()
        cache.held[name] = (time.monotonic(), found)
    return found


def _forget(db: Db, definition: Definition) -> None:
    """Drop the definition's cached copy; call after its change is committed."""
    cache = _recent.get(db)
    if cache is not None:
        cache.changes += 1
        cache.held.pop(
            (definition.account_id, definition.channel, definition.definition_key.lower()), None
        )


async def get(db: Db, account_id: int, channel: str, key: str) -> Definition:
    found = await definitions.get_by_key(db, account_id, channel, key)
    if found is None:
        raise NotFound(
            "MCMS_UTM_Runtime_ObjectNotFound: definition key doesn't exist for this MID",
            code=30003,
        )
    return found


ORDERABLE = definitions.ORDERABLE  # the fields a list may be ordered by


# One page of a channel's definitions, filtered by status (``(status, equal)``): the
# storage query as it is, so handlers need not reach storage.
list_page = definitions.list_page


async def patch(
    db: Db,
    account_id: int,
    channel: str,
    key: str,
    body: shapes.DefinitionPatch,
    *,
    now: int,
    wake: Wakeups,
) -> Definition:
    """Merge ``body`` into the definition; re-activating releases its queue (returns it)."""
    current = await get(db, account_id, channel, key)
    given = _changes(current, key, body)
    merged = wire.parse(shapes.IN[channel], _merge(current, given), family=wire.SFMC)
    updated = Definition(
        id=current.id,
        account_id=account_id,
        channel=channel,
        definition_key=current.definition_key,
        name=merged.name,
        status=merged.status,
        body=await _stored_body(db, account_id, merged),
        created_at=current.created_at,
        modified_at=now,
    )
    async with db.write():
        if await definitions.name_taken(
            db, account_id, channel, updated.name, other_than=current.id
        ):
            raise Conflict("MCMS_UTM_Runtime_ObjectAlreadyExists: the name is taken", code=30004)
        await definitions.update(db, updated)
        released = updated.is_active and not current.is_active
        if released:
            await messages.release_held(db, current.id, now=updated.modified_at)
    _forget(db, current)
    if released:
        wake.sender()
    return updated


def _changes(current: Definition, key: str, body: shapes.DefinitionPatch) -> dict[str, Any]:
    """The fields the request sets, unless the definition is deleted or its key would change."""
    if current.status == "Deleted":
        raise Invalid("MCMS_UTM_Runtime_InvalidOperation: the definition is deleted", code=30001)
    given = body.model_dump(exclude_unset=True, by_alias=True)
    if "definitionKey" in given and str(given["definitionKey"]).lower() != key.lower():
        raise Invalid(f"{shapes.INVALID}: definitionKey cannot be changed", code=10005,
                      field="definitionKey")  # fmt: skip
    return given


def _merge(current: Definition, body: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = copy.deepcopy(current.body)
    merged |= {
        "name": current.name,
        "definitionKey": current.definition_key,
        "status": current.status,
    }
    for name, value in body.items():
        if isinstance(value, dict) and isinstance(merged.get(name), dict):
            merged[name] = merged[name] | value
        else:
            merged[name] = value
    return merged


async def delete(
    db: Db, account_id: int, channel: str, key: str, *, now: int, wake: Wakeups
) -> str:
    """Archive under a new key (freeing the old one); held messages end NotSent 37."""
    current = await get(db, account_id, channel, key)
    archived = f"{current.definition_key}-deleted-{secrets.token_hex(4)}"
    await definitions.update(
        db,
        Definition(
            id=current.id,
            account_id=account_id,
            channel=channel,
            definition_key=archived,
            name=current.name,
            status="Deleted",
            body=current.body,
            created_at=current.created_at,
            modified_at=now,
        ),
    )
    _forget(db, current)
    if await end_held(db, current.id, vocabulary.NotSent.DEFINITION_DELETED, now=now):
        wake.dispatcher()  # their NotSent events
    return archived


async def queue_stats(
    db: Db, account_id: int, channel: str, key: str, *, now: int
) -> tuple[int, int]:
    current = await get(db, account_id, channel, key)
    count, oldest = await messages.held_stats(db, current.id)
    return count, 0 if oldest is None else max(0, (now - oldest) // 1000)


async def purge_queue(
    db: Db, account_id: int, channel: str, key: str, *, now: int, wake: Wakeups
) -> None:
    current = await get(db, account_id, channel, key)
    if current.status != "Inactive":
        raise Invalid(
            "MCMS_UTM_Runtime_InvalidOperation: Definition status must be inactive to delete queue",
            code=30001,
        )
    if await end_held(db, current.id, vocabulary.NotSent.QUEUE_CLEARED, now=now):
        wake.dispatcher()  # their NotSent events


async def expire_held(db: Db, *, now: int, queue_window_s: int, wake: Wakeups) -> int:
    """Messages held by an Inactive definition longer than the queue window end NotSent 139."""
    ended = await end_held(
        db,
        None,
        vocabulary.NotSent.TIMED_OUT_IN_QUEUE,
        now=now,
        older_than=now - queue_window_s * 1000,
    )
    if ended:
        wake.dispatcher()
    return ended


async def end_held(
    db: Db,
    definition_id: str | None,
    code: int,
    reason: str | None = None,
    *,
    now: int,
    older_than: int | None = None,
) -> int:
    """Held messages (of one definition, or any held too long) end NotSent with ``code`` (and
    its reason unless given)."""
    ended = 0
    while batch := await messages.held(db, definition_id=definition_id, older_than=older_than):
        for message in batch:
            await outcomes.record(db, message, outcomes.not_sent(message, code, reason), now=now)
        ended += len(batch)
    return ended


def to_wire(definition: Definition, request_id: str) -> dict[str, Any]:
    body = definition.body
    wire: dict[str, Any] = {
        "requestId": request_id,
        "name": definition.name,
        "definitionKey": definition.definition_key,
        "definitionId": definition.id,
        "description": body.get("description", ""),
        "status": definition.status,
        "createdDate": clock.sfmc_time(definition.created_at),
        "modifiedDate": clock.sfmc_time(definition.modified_at),
        "content": body["content"],
        "subscriptions": body["subscriptions"],
    }
    if definition.channel == "email":
        wire["classification"] = body["classification"]
        wire["options"] = body["options"]
    return wire


def summary(definition: Definition) -> dict[str, Any]:
    return {
        "definitionKey": definition.definition_key,
        "definitionId": definition.id,
        "name": definition.name,
        "status": definition.status,
        "createdDate": clock.sfmc_time(definition.created_at),
        "modifiedDate": clock.sfmc_time(definition.modified_at),
    }
