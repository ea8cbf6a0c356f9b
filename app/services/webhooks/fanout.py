"""Events to webhooks: the subscriptions an event matches, and its outbox rows."""

from __future__ import annotations

import dataclasses
import weakref
from typing import Any

from app.storage import events, listen, outbox, subscriptions
from app.storage.db import Db


def _value(event: events.Event, name: str) -> str | None:
    if name == "definitionKey":
        return event.definition_key
    value = event.info.get(name)
    return None if value is None else str(value)


def matches(subscription: subscriptions.Subscription, event: events.Event) -> bool:
    if event.type not in subscription.event_types:
        return False
    for entry in subscription.filters:
        name, _, wanted = entry.partition("=")
        actual = _value(event, name)
        if actual is None:
            return False
        # Definition keys are case-insensitive everywhere in the API, so here too.
        equal = actual.lower() == wanted.lower() if name == "definitionKey" else actual == wanted
        if not equal:
            return False
    return True


@dataclasses.dataclass(frozen=True)
class Index:
    """An account's deliverable subscriptions by event type and definitionKey filter, so an
    event looks only at the subscriptions that could match it."""

    version: int  # the account's subscription generation it was built from
    buckets: dict[tuple[str, str | None], tuple[subscriptions.Subscription, ...]]

    @classmethod
    def of(cls, version: int, found: list[subscriptions.Subscription]) -> Index:
        buckets: dict[tuple[str, str | None], list[subscriptions.Subscription]] = {}
        for subscription in found:
            paused = subscription.status != subscriptions.ACTIVE
            if paused and not subscription.buffer_while_paused:
                continue  # drops its events
            key = _definition_filter(subscription)
            for event_type in subscription.event_types:
                buckets.setdefault((event_type, key), []).append(subscription)
        return cls(version, {key: tuple(subs) for key, subs in buckets.items()})

    def candidates(self, event: events.Event) -> tuple[subscriptions.Subscription, ...]:
        """The subscriptions of the event's type that filter on its definition or on none."""
        found = self.buckets.get((event.type, None), ())
        if event.definition_key is not None:
            found += self.buckets.get((event.type, event.definition_key.lower()), ())
        return found


def _definition_filter(subscription: subscriptions.Subscription) -> str | None:
    for entry in subscription.filters:
        name, _, wanted = entry.partition("=")
        if name == "definitionKey":
            return wanted.lower()
    return None


# Per database handle, per account. Reloaded when the account's generation moved: it is read
# in the event's own transaction, and every subscription change moves it in its transaction, so
# no process matches against subscriptions older than those committed when its event is written.
_indexes: weakref.WeakKeyDictionary[Db, dict[int, Index]] = weakref.WeakKeyDictionary()


async def index_for(db: Db, account_id: int) -> Index:
    """The account's index, rebuilt only when its subscriptions changed."""
    version = await subscriptions.version(db, account_id)
    cached = _indexes.setdefault(db, {}).get(account_id)
    if cached is not None and cached.version == version:
        return cached
    # Read after the version: a change committed in between is reloaded next time.
    index = Index.of(version, await subscriptions.for_account(db, account_id))
    _indexes[db][account_id] = index
    return index


async def enqueue(db: Db, event: events.Event, *, now: int) -> int:
    """One outbox row per callback with a matching subscription; call in the event's transaction.

    Active subscriptions deliver; a paused one drops the event unless it buffers, and then the
    row waits (``held``) until the subscription is resumed.
    """
    assert event.id is not None
    owed: dict[str, outbox.Entry] = {}
    for subscription in (await index_for(db, event.account_id)).candidates(event):
        if not matches(subscription, event):
            continue
        earlier = owed.get(subscription.callback_id)
        if earlier is not None and not earlier.held:
            continue  # one delivery per callback, however many subscriptions match
        owed[subscription.callback_id] = outbox.Entry(
            account_id=event.account_id,
            callback_id=subscription.callback_id,
            event_id=event.id,
            subscription_id=subscription.id,
            held=subscription.status != subscriptions.ACTIVE,
            created_at=now,
        )
    if owed:
        await outbox.insert_rows(db, list(owed.values()))
        await listen.outbox_filled(db)
    return len(owed)


def to_wire(event: events.Event) -> dict[str, Any]:
    """An event in the SFMC ENS shape, plus a stable eventId for de-duplication."""
    return {
        "eventCategoryType": event.type,
        "timestampUTC": event.occurred_at,
        "compositeId": f"{event.definition_id or 'NA'}.{event.account_id}.{event.message_id}",
        "definitionKey": event.definition_key,
        "definitionId": event.definition_id,
        "mid": event.account_id,
        "eid": event.account_id,
        "info": event.info,
        "eventId": event.event_id,
    }
