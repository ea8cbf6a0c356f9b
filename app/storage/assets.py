"""SQL for the content_assets table (Content Builder email assets)."""

from __future__ import annotations

import dataclasses

from app.storage.db import Db, Row, values_of


@dataclasses.dataclass(frozen=True)
class Asset:
    id: int
    account_id: int
    customer_key: str
    name: str
    asset_type: str
    subject: str
    preheader: str
    html: str
    text: str
    created_at: int
    modified_at: int

    @classmethod
    def from_row(cls, row: Row) -> Asset:
        return cls(**{f.name: row[f.name] for f in dataclasses.fields(cls)})


_COLUMNS = (
    "account_id, customer_key, customer_key_lc, name, asset_type, subject, preheader, html,"
    " text, created_at, modified_at"
)


async def insert(db: Db, asset: Asset) -> int:
    values = values_of(asset)
    values.pop("id")
    values["customer_key_lc"] = asset.customer_key.lower()
    binds = ", ".join(f":{name.strip()}" for name in _COLUMNS.split(","))
    new_id = await db.fetch_val(
        f"INSERT INTO content_assets ({_COLUMNS}) VALUES ({binds}) RETURNING id", values
    )
    return int(new_id)


async def update(db: Db, asset: Asset) -> None:
    values = values_of(asset)
    values["customer_key_lc"] = asset.customer_key.lower()
    await db.execute(
        "UPDATE content_assets SET customer_key = :customer_key,"
        " customer_key_lc = :customer_key_lc,"
        " name = :name, asset_type = :asset_type, subject = :subject, preheader = :preheader,"
        " html = :html, text = :text, modified_at = :modified_at"
        " WHERE id = :id AND account_id = :account_id",
        {k: v for k, v in values.items() if k != "created_at"},
    )


async def get(db: Db, account_id: int, asset_id: int) -> Asset | None:
    row = await db.fetch_one(
        "SELECT * FROM content_assets WHERE id = :id AND account_id = :account_id",
        {"id": asset_id, "account_id": account_id},
    )
    return None if row is None else Asset.from_row(row)


async def get_by_key(db: Db, account_id: int, customer_key: str) -> Asset | None:
    row = await db.fetch_one(
        "SELECT * FROM content_assets WHERE account_id = :account_id AND customer_key_lc = :key",
        {"account_id": account_id, "key": customer_key.lower()},
    )
    return None if row is None else Asset.from_row(row)


async def list_page(db: Db, account_id: int, *, limit: int, offset: int) -> list[Asset]:
    rows = await db.fetch_all(
        "SELECT * FROM content_assets WHERE account_id = :account_id ORDER BY id"
        " LIMIT :limit OFFSET :offset",
        {"account_id": account_id, "limit": limit, "offset": offset},
    )
    return [Asset.from_row(row) for row in rows]


async def count(db: Db, account_id: int) -> int:
    return int(
        await db.fetch_val(
            "SELECT COUNT(*) FROM content_assets WHERE account_id = :account_id",
            {"account_id": account_id},
        )
    )


async def delete(db: Db, account_id: int, asset_id: int) -> bool:
    gone = await db.fetch_val(
        "DELETE FROM content_assets WHERE id = :id AND account_id = :account_id RETURNING id",
        {"id": asset_id, "account_id": account_id},
    )
    return gone is not None
