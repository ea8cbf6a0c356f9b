"""The webhook services cut to a portal session: only its link's callbacks exist for it.

Everything else is the platform's own services, called with the link's account. A callback
outside the link is "not found" (never "forbidden", which would confirm it exists), and a
conflict with one (a URL or subscription name taken account-wide) does not name it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from app.errors import Conflict, Forbidden, Invalid
from app.services.access import portal
from app.services.access.portal import Access
from app.services.webhooks import callbacks, subscriptions
from app.storage.db import Db
from app.wire.callbacks import CallbackIn
from app.wire.subscriptions import SubscriptionIn, SubscriptionPatch


async def callback(
    manager: callbacks.Manager, access: Access, callback_id: str
) -> callbacks.Callback:
    """The link's callback, or 404 as for any callback the account does not have."""
    if not access.covers(callback_id):
        raise callbacks.not_found(callback_id)
    return await manager.get(access.account_id, callback_id)


async def list_callbacks(manager: callbacks.Manager, access: Access) -> list[dict[str, Any]]:
    found = await manager.list_all(access.account_id)
    return [callbacks.to_wire(c) for c in found if access.covers(c.id)]


async def create_callbacks(
    db: Db, manager: callbacks.Manager, access: Access, items: list[CallbackIn]
) -> list[dict[str, Any]]:
    """Register as the platform does; what is registered joins the link (also when a probe
    failed and the callbacks were kept)."""
    if not access.link.may_create_callbacks:
        raise Forbidden("This portal link may not register new callbacks")
    try:
        with unnamed_conflict("That URL cannot be registered here"):
            created = await manager.create(access.account_id, items)
    except Invalid as exc:
        kept = exc.details.get("callbacks", [])
        await portal.join(db, access, [c["callbackId"] for c in kept])
        raise
    await portal.join(db, access, [c["callbackId"] for c in created])
    return created


@contextlib.contextmanager
def unnamed_conflict(message: str) -> Iterator[None]:
    """A 409 that says ``message`` rather than the platform's, which names the other object
    (perhaps one outside the link)."""
    try:
        yield
    except Conflict as exc:
        raise Conflict(message, code=exc.code) from None


NAME_TAKEN = "That subscription name cannot be used here"


def require_covered(access: Access, callback_ids: list[str]) -> None:
    for callback_id in callback_ids:
        if not access.covers(callback_id):
            raise callbacks.not_found(callback_id)


async def subscription(
    db: Db, access: Access, callback_id: str, subscription_id: str
) -> dict[str, Any]:
    """The subscription, when it is one of this (covered) callback's; else 404."""
    require_covered(access, [callback_id])
    found = await subscriptions.get(db, access.account_id, subscription_id)
    if found["callbackId"] != callback_id:
        raise subscriptions.not_found(subscription_id)
    return found


def for_callback(items: Sequence[SubscriptionIn], callback_id: str) -> list[SubscriptionIn]:
    """New subscriptions, each for the path's callback."""
    return [item.model_copy(update={"callback_id": callback_id}) for item in items]


def patch_of(item: SubscriptionPatch, subscription_id: str) -> SubscriptionPatch:
    return item.model_copy(update={"subscription_id": subscription_id})
