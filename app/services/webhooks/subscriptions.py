"""ENS subscriptions: event types and filters routed to a verified callback; pause and resume."""

from __future__ import annotations

import dataclasses
from typing import Any

from app import ids
from app.errors import Conflict, Invalid, NotFound
from app.services.wakeups import Wakeups
from app.services.webhooks import callbacks
from app.storage import callbacks as callback_rows
from app.storage import outbox, subscriptions
from app.storage.db import Db
from app.wire.subscriptions import SubscriptionIn, SubscriptionOut, SubscriptionPatch

Subscription = subscriptions.Subscription
MAX_PER_CALLBACK = 200
# SubscriptionPatch's names for the Subscription's fields, where they differ.
_FIELDS = {"subscription_name": "name", "event_category_types": "event_types"}


def not_found(subscription_id: str) -> NotFound:
    return NotFound(
        "MCMS_UWH_Runtime_ObjectNotFound: subscriptionId"
        f" {subscription_id} doesn't exist for this MID"
    )


def to_wire(subscription: Subscription, callback: callback_rows.Callback) -> dict[str, Any]:
    """As ``SubscriptionOut`` declares it, with its callback's fields (as SFMC answers)."""
    return SubscriptionOut(
        callback_id=callback.id, callback_name=callback.name, url=callback.url,
        max_batch_size=callback.max_batch_size, subscription_id=subscription.id,
        subscription_name=subscription.name, event_category_types=subscription.event_types,
        filters=subscription.filters, status=subscription.status,
        status_reason=subscription.status_reason,
        buffer_while_paused=subscription.buffer_while_paused,
    ).model_dump()  # fmt: skip


async def create(
    db: Db, account_id: int, items: list[SubscriptionIn], *, now: int, limit: int
) -> list[dict[str, Any]]:
    """Each item in its own transaction; ``limit``: subscriptions per account."""
    made = []
    for item in items:
        callback = await _verified(db, account_id, item.callback_id)
        subscription = _new(item, account_id, callback.id, now=now)
        async with db.write():
            await _insert_checked(db, subscription, limit=limit)
        made.append(to_wire(subscription, callback))
    return made


async def _verified(db: Db, account_id: int, callback_id: str) -> callback_rows.Callback:
    callback = await callback_rows.get(db, account_id, callback_id)
    if callback is None:
        raise callbacks.not_found(callback_id)
    if not callback.verified:
        raise Invalid(
            f"Callback {callback_id} is not verified: call /platform/v1/ens-verify first",
            code=10001,
        )
    return callback


def _new(item: SubscriptionIn, account_id: int, callback_id: str, *, now: int) -> Subscription:
    return Subscription(
        id=ids.uuid4(),
        account_id=account_id,
        callback_id=callback_id,
        name=item.subscription_name,
        event_types=item.event_category_types,
        filters=item.filters,
        status=subscriptions.ACTIVE,
        status_reason="",
        buffer_while_paused=item.buffer_while_paused,
        created_at=now,
        updated_at=now,
    )


async def _insert_checked(db: Db, subscription: Subscription, *, limit: int) -> None:
    """Insert within the per-account and per-callback limits; call inside ``db.write()``."""
    account_id, callback_id = subscription.account_id, subscription.callback_id
    name = subscription.name
    await subscriptions.bump_version(db, account_id)
    # Checked again here, holding the callback: a delete cannot slip in between.
    if await callback_rows.lock(db, account_id, callback_id, exclusive=False) is None:
        raise callbacks.not_found(callback_id)
    if await subscriptions.by_name(db, account_id, name) is not None:
        raise Conflict(f"A subscription named {name} already exists", code=30004)
    if await subscriptions.count_for_account(db, account_id) >= limit:
        raise Invalid(
            f"An account may have at most {limit} subscriptions"
            " (TIDINGS_SUBSCRIPTIONS_PER_ACCOUNT); delete one first",
            code=10001,
        )
    if len(await subscriptions.for_callback(db, callback_id)) >= MAX_PER_CALLBACK:
        raise Invalid(f"A callback may have at most {MAX_PER_CALLBACK} subscriptions")
    await subscriptions.insert(db, subscription)


async def _pair(
    db: Db, account_id: int, subscription_id: str
) -> tuple[Subscription, callback_rows.Callback]:
    subscription = await subscriptions.get(db, account_id, subscription_id)
    if subscription is None:
        raise not_found(subscription_id)
    callback = await callback_rows.get(db, account_id, subscription.callback_id)
    if callback is None:  # cannot happen: a callback with subscriptions cannot be deleted
        raise not_found(subscription_id)
    return subscription, callback


async def get(db: Db, account_id: int, subscription_id: str) -> dict[str, Any]:
    return to_wire(*await _pair(db, account_id, subscription_id))


async def by_callback(db: Db, account_id: int, callback_id: str) -> list[dict[str, Any]]:
    callback = await callback_rows.get(db, account_id, callback_id)
    if callback is None:
        raise callbacks.not_found(callback_id)
    return [to_wire(s, callback) for s in await subscriptions.for_callback(db, callback.id)]


async def update(
    db: Db, account_id: int, items: list[SubscriptionPatch], *, now: int, wake: Wakeups
) -> list[dict[str, Any]]:
    """PUT: types, filters, name, status (active ⇄ paused, with a reason); a resumed
    subscription's buffered deliveries go out at once."""
    results, resumed = [], False
    for item in items:
        current, callback = await _pair(db, account_id, item.subscription_id)
        fields = {_FIELDS.get(name, name): value for name, value in item.changes().items()}
        changed = dataclasses.replace(current, **fields, updated_at=now)
        name = changed.name
        async with db.write():
            await subscriptions.bump_version(db, account_id)
            other = await subscriptions.by_name(db, account_id, name)
            if other is not None and other.id != current.id:
                raise Conflict(f"A subscription named {name} already exists", code=30004)
            await subscriptions.save(db, changed)
            if changed.status == subscriptions.ACTIVE and current.status != changed.status:
                await outbox.release_held(db, current.id)  # the buffer goes out now
                resumed = True
        results.append(to_wire(changed, callback))
    if resumed:
        wake.dispatcher()
    return results


async def delete(db: Db, account_id: int, subscription_id: str) -> None:
    subscription, _ = await _pair(db, account_id, subscription_id)
    async with db.write():
        await subscriptions.bump_version(db, account_id)
        await subscriptions.delete(db, subscription.id)
