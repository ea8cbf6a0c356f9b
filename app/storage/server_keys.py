"""SQL for the server_keys table: process-wide secrets generated once and shared by workers."""

from __future__ import annotations

from app.storage.db import Db


async def get_or_create(db: Db, name: str, *, candidate: str, at: int) -> str:
    """The stored value for ``name``; ``candidate`` is stored first if there is none.

    Insert-then-read lets concurrent starters agree on one value without a lock.
    """
    await db.execute(
        "INSERT INTO server_keys (name, value, created_at) VALUES (:name, :value, :at)"
        " ON CONFLICT (name) DO NOTHING",
        {"name": name, "value": candidate, "at": at},
    )
    value = await db.fetch_val("SELECT value FROM server_keys WHERE name = :name", {"name": name})
    return str(value)
