"""Portal links: a one-time code that opens a session limited to some callbacks and permissions.

The code (in the link's URL) and the session token (in the portal's cookie) are stored as
hashes (``credentials.hash_secret``). A code opens one session, once. Every portal request
reads its session's link, so revoking the link ends its sessions at once.
"""

from __future__ import annotations

import dataclasses
import secrets
from typing import Any

from app import clock
from app.errors import Forbidden, NotFound, Unauthenticated
from app.services.access import credentials
from app.services.access.auth import Principal
from app.storage import callbacks as callback_rows
from app.storage import portal
from app.storage.db import Db
from app.wire.portal import Permission, PortalLinkIn

ENTER_PATH = "portal/enter/"


@dataclasses.dataclass(frozen=True)
class Access:
    """What one portal session may see and do."""

    link: portal.Link
    callback_ids: frozenset[str]

    @property
    def account_id(self) -> int:
        return self.link.account_id

    @property
    def permissions(self) -> frozenset[str]:
        return frozenset(self.link.permissions.split())

    @property
    def principal(self) -> Principal:
        """For the rate limits: the link is the client, its account the account."""
        return Principal(account_id=self.account_id, scopes=frozenset(), token_id=self.link.id)

    def require(self, permission: Permission) -> None:
        if permission.value not in self.permissions:
            raise Forbidden(f"This portal link does not allow that: it needs {permission.value}")

    def covers(self, callback_id: str) -> bool:
        return callback_id in self.callback_ids


def _when(at: int | None) -> str | None:
    return None if at is None else clock.iso_utc(at)


def link_to_wire(link: portal.Link, callback_ids: list[str]) -> dict[str, Any]:
    """As ``PortalLinkOut`` declares it: never the code."""
    return {
        "id": link.id, "name": link.name, "permissions": link.permissions.split(),
        "callbackIds": callback_ids, "mayCreateCallbacks": link.may_create_callbacks,
        "createdAt": clock.iso_utc(link.created_at), "expiresAt": clock.iso_utc(link.expires_at),
        "usedAt": _when(link.used_at), "revokedAt": _when(link.revoked_at),
    }  # fmt: skip


async def create(
    db: Db, who: Principal, body: PortalLinkIn, *, base_url: str, now: int
) -> dict[str, Any]:
    """A new link over the account's callbacks (404 for one it does not have); the URL with
    its one-time code is in this answer only. The creator must hold every scope the link's
    permissions stand for (``PortalLinkIn.needs_scopes``): a link grants nothing more."""
    lacking = [scope for scope in body.needs_scopes() if scope not in who.scopes]
    if lacking:
        raise Forbidden(f"Granting these permissions needs scope(s) {', '.join(lacking)}")
    wanted = list(dict.fromkeys(body.callback_ids))
    for callback_id in wanted:
        if await callback_rows.get(db, who.account_id, callback_id) is None:
            raise NotFound(f"callbackId {callback_id} doesn't exist for this MID")
    code = credentials.new_secret()
    link = portal.Link(
        id="pl_" + secrets.token_hex(12), account_id=who.account_id, name=body.name,
        code_hash=credentials.hash_secret(code),
        permissions=" ".join(p.value for p in body.permissions),
        may_create_callbacks=body.may_create_callbacks,
        created_by=who.client_id or who.token_id or "", created_at=now,
        expires_at=now + body.expires_in_seconds * 1000,
    )  # fmt: skip
    async with db.write():
        await portal.insert(db, link, wanted)
    return link_to_wire(link, sorted(wanted)) | {"url": base_url + ENTER_PATH + code}


async def list_all(db: Db, account_id: int) -> dict[str, Any]:
    found = await portal.list_all(db, account_id)
    return {"items": [link_to_wire(k, await portal.callbacks_of(db, k.id)) for k in found]}


async def revoke(db: Db, account_id: int, link_id: str, *, now: int) -> None:
    """The link opens nothing more, and its open sessions end now."""
    async with db.write():
        if not await portal.revoke(db, account_id, link_id, now=now):
            raise NotFound(f"No portal link {link_id} in this account")


async def enter(db: Db, code: str, *, now: int) -> tuple[str, portal.Link] | None:
    """A new session token for an unused, live link's code (then used up); else None."""
    async with db.write():
        link = await portal.use_code(db, credentials.hash_secret(code), now=now)
        if link is None:
            return None
        token = credentials.new_secret()
        await portal.open_session(
            db, credentials.hash_secret(token), link.id, now=now, until=link.expires_at
        )
    return token, link


async def session(db: Db, token: str | None, *, now: int) -> Access:
    """The access a session token gives; ``Unauthenticated`` when it is unknown or ended."""
    link = None
    if token:
        link = await portal.session_link(db, credentials.hash_secret(token), now=now)
    if link is None:
        raise Unauthenticated()
    return Access(link=link, callback_ids=frozenset(await portal.callbacks_of(db, link.id)))


def describe(access: Access, *, csrf_token: str) -> dict[str, Any]:
    """As ``PortalSession`` declares it: the link's name, not its account's (the link's team
    is another team)."""
    return {
        "permissions": [p.value for p in Permission if p.value in access.permissions],
        "callbackIds": sorted(access.callback_ids),
        "mayCreateCallbacks": access.link.may_create_callbacks,
        "expiresAt": clock.iso_utc(access.link.expires_at),
        "csrfToken": csrf_token,
        "linkName": access.link.name,
    }


async def join(db: Db, access: Access, callback_ids: list[str]) -> None:
    """Callbacks created through the portal join its link's set."""
    async with db.write():
        await portal.add_callbacks(db, access.link.id, callback_ids)
