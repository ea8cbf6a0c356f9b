"""SQL for the consumer portal: links, the callbacks each covers, and the sessions opened."""

from __future__ import annotations

import dataclasses

from app.storage.db import Db, Row, insert_statement, values_of


@dataclasses.dataclass(frozen=True)
class Link:
    id: str
    account_id: int
    name: str
    code_hash: str  # SHA-256 of the one-time code in the link's URL
    permissions: str  # space-separated
    may_create_callbacks: bool
    created_by: str  # the client or API token that made it
    created_at: int
    expires_at: int
    used_at: int | None = None
    revoked_at: int | None = None

    @classmethod
    def from_row(cls, row: Row) -> Link:
        fields = {f.name: row[f.name] for f in dataclasses.fields(cls)}
        fields["may_create_callbacks"] = bool(fields["may_create_callbacks"])
        return cls(**fields)


_LINK_COLUMNS = [f.name for f in dataclasses.fields(Link)]


async def insert(db: Db, link: Link, callback_ids: list[str]) -> None:
    values = values_of(link) | {"may_create_callbacks": int(link.may_create_callbacks)}
    await db.execute(insert_statement("portal_links", _LINK_COLUMNS), values)
    await add_callbacks(db, link.id, callback_ids)


async def add_callbacks(db: Db, link_id: str, callback_ids: list[str]) -> None:
    await db.execute_many(
        "INSERT INTO portal_link_callbacks (link_id, callback_id) VALUES (:link_id, :callback_id)",
        [{"link_id": link_id, "callback_id": c} for c in dict.fromkeys(callback_ids)],
    )


async def callbacks_of(db: Db, link_id: str) -> list[str]:
    rows = await db.fetch_all(
        "SELECT callback_id FROM portal_link_callbacks WHERE link_id = :link_id"
        " ORDER BY callback_id",
        {"link_id": link_id},
    )
    return [row["callback_id"] for row in rows]


async def get(db: Db, account_id: int, link_id: str) -> Link | None:
    row = await db.fetch_one(
        "SELECT * FROM portal_links WHERE id = :id AND account_id = :account_id",
        {"id": link_id, "account_id": account_id},
    )
    return None if row is None else Link.from_row(row)


async def list_all(db: Db, account_id: int) -> list[Link]:
    rows = await db.fetch_all(
        "SELECT * FROM portal_links WHERE account_id = :account_id ORDER BY created_at DESC, id",
        {"account_id": account_id},
    )
    return [Link.from_row(row) for row in rows]


async def use_code(db: Db, code_hash: str, *, now: int) -> Link | None:
    """Mark the link whose code this is as used, if it is unused, live and unrevoked: the
    code works once, whoever races for it."""
    row = await db.fetch_one(
        "UPDATE portal_links SET used_at = :now WHERE code_hash = :code_hash"
        " AND used_at IS NULL AND revoked_at IS NULL AND expires_at > :now RETURNING *",
        {"code_hash": code_hash, "now": now},
    )
    return None if row is None else Link.from_row(row)


async def revoke(db: Db, account_id: int, link_id: str, *, now: int) -> bool:
    """Revoke the link (first revocation wins) and drop its sessions; False: no such link."""
    found = await db.fetch_val(
        "UPDATE portal_links SET revoked_at = COALESCE(revoked_at, :now)"
        " WHERE id = :id AND account_id = :account_id RETURNING id",
        {"id": link_id, "account_id": account_id, "now": now},
    )
    if found is None:
        return False
    await db.execute("DELETE FROM portal_sessions WHERE link_id = :id", {"id": link_id})
    return True


async def open_session(db: Db, token_hash: str, link_id: str, *, now: int, until: int) -> None:
    await db.execute(
        "INSERT INTO portal_sessions (token_hash, link_id, created_at, expires_at)"
        " VALUES (:token_hash, :link_id, :now, :until)",
        {"token_hash": token_hash, "link_id": link_id, "now": now, "until": until},
    )


async def session_link(db: Db, token_hash: str, *, now: int) -> Link | None:
    """The link of a live session (unexpired, its link neither expired nor revoked)."""
    row = await db.fetch_one(
        "SELECT l.* FROM portal_sessions s JOIN portal_links l ON l.id = s.link_id"
        " WHERE s.token_hash = :token_hash AND s.expires_at > :now AND l.expires_at > :now"
        " AND l.revoked_at IS NULL",
        {"token_hash": token_hash, "now": now},
    )
    return None if row is None else Link.from_row(row)


async def purge_sessions(db: Db, *, ended_before: int) -> None:
    """Sessions that ended before ``ended_before``."""
    await db.execute("DELETE FROM portal_sessions WHERE expires_at < :at", {"at": ended_before})
