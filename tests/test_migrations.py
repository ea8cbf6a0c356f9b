"""Migrations: both dialects apply cleanly, twice is a no-op, and they end at the same schema."""

from __future__ import annotations

from typing import Any

import pytest

from app.storage import migrations, stats
from app.storage.db import Db
from bench.pg import Cluster
from tests.conftest import _create_pg_database

# Declared types differ only in spelling between the two dialects.
_TYPES = {"integer": "bigint", "int8": "bigint", "bytea": "blob"}


async def test_apply_twice_is_a_no_op(database_url: str) -> None:
    db = Db(database_url)
    await db.connect()
    try:
        first = await migrations.apply(db)
        second = await migrations.apply(db)
        versions = await migrations.applied_versions(db)
    finally:
        await db.disconnect()
    assert [m.version for m in first] == [m.version for m in migrations.available(db.dialect)]
    assert second == []
    assert versions == [m.version for m in first]


def test_both_dialects_have_the_same_migration_numbers() -> None:
    sqlite = [(m.version, m.name) for m in migrations.available("sqlite")]
    postgresql = [(m.version, m.name) for m in migrations.available("postgresql")]
    assert sqlite == postgresql
    assert [v for v, _ in sqlite] == list(range(1, len(sqlite) + 1)), "numbers must be contiguous"


async def _sqlite_schema(db: Db) -> dict[str, Any]:
    tables = await db.fetch_all(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE :internal",
        {"internal": "sqlite_%"},  # a literal % would clash with the driver's %-formatting
    )
    schema: dict[str, Any] = {}
    for table in tables:
        name = table["name"]
        columns = await db.fetch_all(f"PRAGMA table_info({name})")
        indexes = await db.fetch_all(f"PRAGMA index_list({name})")
        schema[name] = {
            "columns": {
                c["name"]: (
                    _TYPES.get(c["type"].lower(), c["type"].lower()),
                    bool(c["notnull"] or c["pk"]),
                )
                for c in columns
            },
            "indexes": sorted(i["name"] for i in indexes if i["origin"] == "c"),
        }
    return schema


async def _postgresql_schema(db: Db) -> dict[str, Any]:
    columns = await db.fetch_all(
        "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns"
        " WHERE table_schema = 'public'"
    )
    indexes = await db.fetch_all(
        "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = 'public'"
        " AND indexname NOT IN (SELECT conname FROM pg_constraint)"  # PK / UNIQUE backing
    )
    schema: dict[str, Any] = {}
    for c in columns:
        table = schema.setdefault(c["table_name"], {"columns": {}, "indexes": []})
        kind = c["data_type"].lower()
        table["columns"][c["column_name"]] = (_TYPES.get(kind, kind), c["is_nullable"] == "NO")
    for i in indexes:
        schema[i["tablename"]]["indexes"].append(i["indexname"])
    for table in schema.values():
        table["indexes"].sort()
    return schema


async def test_sqlite_and_postgresql_end_at_the_same_schema(
    tmp_path: Any, pg_cluster: Cluster
) -> None:
    lite = Db(f"sqlite:///{tmp_path}/schema.db")
    pg = Db(await _create_pg_database(pg_cluster))
    schemas = []
    for db, read in ((lite, _sqlite_schema), (pg, _postgresql_schema)):
        await db.connect()
        try:
            await migrations.apply(db)
            schemas.append(await read(db))
        finally:
            await db.disconnect()
    assert schemas[0] == schemas[1]
    assert "accounts" in schemas[0]


async def test_a_failing_migration_leaves_nothing_behind(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Db(database_url)
    real = migrations.available(db.dialect)
    broken = migrations.Migration(
        len(real) + 1, "broken", "CREATE TABLE half (id BIGINT);\nSELECT nonsense_fn();\n"
    )
    monkeypatch.setattr(migrations, "available", lambda dialect: [*real, broken])
    await db.connect()
    try:
        with pytest.raises(Exception, match="nonsense_fn"):
            await migrations.apply(db)
        versions = await migrations.applied_versions(db)
        tables = await db.fetch_val("SELECT COUNT(*) FROM accounts")  # earlier ones landed
    finally:
        await db.disconnect()
    assert versions == [m.version for m in real]
    assert tables == 0


async def test_0014_keeps_every_rollup_count_and_the_reads_sum_the_same(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rollup rows written before migration 0014 (no shard) read the same totals after it,
    land in shard 0, and take new increments in place."""
    db = Db(database_url)
    real = migrations.available(db.dialect)
    assert real[13].version == 14
    monkeypatch.setattr(migrations, "available", lambda dialect: real[:13])
    hour = 500 * stats.HOUR_MS
    insert = (
        "INSERT INTO stats_events (account_id, hour_at, channel, type, definition_key, detail,"
        " count) VALUES (1, :hour, :channel, 'T', 'd', '', :n)"
    )
    await db.connect()
    try:
        await migrations.apply(db)
        await db.execute("INSERT INTO accounts (id, name, created_at) VALUES (1, 'a', 0)")
        for at, channel, n in ((hour, "email", 3), (hour + stats.HOUR_MS, "sms", 4)):
            await db.execute(insert, {"hour": at, "channel": channel, "n": n})
        before = await stats.totals(db, now=hour)
        monkeypatch.setattr(migrations, "available", lambda dialect: real)
        assert [m.version for m in await migrations.apply(db)] == [14]
        after = await stats.totals(db, now=hour)
        shards = await db.fetch_all("SELECT DISTINCT shard FROM stats_events")
        await stats.count_event(
            db, account_id=1, at=hour, channel="email", event_type="T", definition_key="d",
            detail="",
        )  # fmt: skip
        rows = await db.fetch_val("SELECT COUNT(*) FROM stats_events")
        counts = await stats.event_counts(db, 1, since=0, until=hour * 2, by=("channel",))
    finally:
        await db.disconnect()
    assert before["events"] == after["events"] == {("email", "T"): 3, ("sms", "T"): 4}
    assert [row["shard"] for row in shards] == [0]
    assert rows == 2  # the increment landed on the migrated row
    assert sorted((c.channel, c.count) for c in counts) == [("email", 4), ("sms", 4)]
