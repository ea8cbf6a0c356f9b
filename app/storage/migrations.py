"""Numbered, append-only schema migrations, one folder of SQL files per dialect.

``NNNN_name.sql`` files are applied in order, each in one transaction together with its row in
``schema_migrations``; concurrent starters serialise on a lock, so applying twice is a no-op.
"""

from __future__ import annotations

import dataclasses
import pathlib
import re
from typing import Any

from app.clock import now_ms
from app.storage.db import Db

FOLDER = pathlib.Path(__file__).parent / "migrations"
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_LOCK_ID = 7_105_346  # arbitrary, constant: the advisory lock that serialises migrators

_CREATE_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"
)


@dataclasses.dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def available(dialect: str) -> list[Migration]:
    """Every migration file for the dialect, in version order."""
    found = []
    for path in sorted((FOLDER / dialect).glob("*.sql")):
        match = _NAME.match(path.name)
        if match is None:
            raise ValueError(f"migration file {path.name} is not named NNNN_name.sql")
        found.append(Migration(int(match[1]), match[2], path.read_text()))
    return found


async def apply(db: Db) -> list[Migration]:
    """Apply every pending migration; return the ones applied by this call."""
    async with db.raw_connection() as raw:
        if db.dialect == "sqlite":
            return await _apply_sqlite(raw)
        return await _apply_postgresql(raw)


async def _apply_sqlite(raw: Any) -> list[Migration]:
    """On the blocking sqlite3 writer: start-up only, before any request is served."""
    applied = []
    for migration in available("sqlite"):
        # BEGIN IMMEDIATE takes the write lock first, so the check and the apply are one step.
        raw.execute("BEGIN IMMEDIATE")
        try:
            raw.execute(_CREATE_TABLE)
            done = raw.execute(
                "SELECT 1 FROM schema_migrations WHERE version = ?", (migration.version,)
            ).fetchone()
            if done is None:
                for statement in _statements(migration.sql):
                    raw.execute(statement)
                raw.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (migration.version, migration.name, now_ms()),
                )
                applied.append(migration)
            raw.execute("COMMIT")
        except BaseException:
            raw.execute("ROLLBACK")
            raise
    return applied


async def _apply_postgresql(raw: Any) -> list[Migration]:
    applied = []
    for migration in available("postgresql"):
        async with raw.transaction():
            await raw.execute("SELECT pg_advisory_xact_lock($1)", _LOCK_ID)
            await raw.execute(_CREATE_TABLE)
            done = await raw.fetchval(
                "SELECT 1 FROM schema_migrations WHERE version = $1", migration.version
            )
            if done is None:
                await raw.execute(migration.sql)
                await raw.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    now_ms(),
                )
                applied.append(migration)
    return applied


def _statements(script: str) -> list[str]:
    """Split a migration script on ``;`` line ends (our files keep one statement per block)."""
    without_comments = "\n".join(
        line for line in script.splitlines() if not line.lstrip().startswith("--")
    )
    return [part.strip() for part in without_comments.split(";\n") if part.strip(" \n;")]


async def applied_versions(db: Db) -> list[int]:
    rows = await db.fetch_all("SELECT version FROM schema_migrations ORDER BY version")
    return [int(row["version"]) for row in rows]
