"""Content assets (stand-in for Content Builder email assets): storage rules and views."""

from __future__ import annotations

from typing import Any

from app import clock
from app.errors import Conflict, NotFound
from app.services.sending import render
from app.storage import assets
from app.storage.db import Db
from app.wire import assets as shapes
from app.wire.assets import NO_VIEWS, TYPE_IDS, AssetIn, AssetPatch, view_text

Asset = assets.Asset
_PARTS = (("subject", ("subjectline", "subject_line")), ("preheader", ("preheader",)),
          ("html", ("html",)), ("text", ("text",)))  # fmt: skip


def _fields(body: AssetIn | AssetPatch, current: Asset | None) -> dict[str, Any]:
    """The stored fields: the asset's, replaced by those the request gives."""
    fields: dict[str, Any] = {"subject": "", "preheader": "", "html": "", "text": ""}
    if current is not None:
        fields = {
            "name": current.name, "customer_key": current.customer_key,
            "asset_type": current.asset_type, "subject": current.subject,
            "preheader": current.preheader, "html": current.html, "text": current.text,
        }  # fmt: skip
    given = body.model_fields_set
    fields |= {name: getattr(body, name) for name in ("name", "customer_key") if name in given}
    if "asset_type" in given or current is None:
        fields["asset_type"] = body.asset_type
    views = body.views or NO_VIEWS
    for field, names in _PARTS:
        text = view_text(views, *names)
        if text is not None:
            fields[field] = text
    regenerate = "html" in views.model_fields_set and "text" not in views.model_fields_set
    if fields["html"] and (regenerate or not fields["text"]):  # a generated text follows HTML
        fields["text"] = render.html_to_text(fields["html"])
    return fields


async def create(db: Db, account_id: int, body: AssetIn, *, now: int) -> Asset:
    """Store a new asset; its customerKey must be new in the account."""
    fields = _fields(body, None)
    async with db.write():
        if await assets.get_by_key(db, account_id, fields["customer_key"]):
            raise Conflict("An asset with this customerKey exists", code=30004)
        asset = Asset(id=0, account_id=account_id, created_at=now, modified_at=now, **fields)
        new_id = await assets.insert(db, asset)
    return await get(db, account_id, new_id)


async def get(db: Db, account_id: int, asset_id: int) -> Asset:
    found = await assets.get(db, account_id, asset_id)
    if found is None:
        raise NotFound(f"Asset {asset_id} not found", code=30003)
    return found


async def get_by_key(db: Db, account_id: int, customer_key: str) -> Asset:
    found = await assets.get_by_key(db, account_id, customer_key)
    if found is None:
        raise NotFound(f"Asset with customerKey {customer_key!r} not found", code=30003)
    return found


async def find(
    db: Db, account_id: int, customer_key: str | None, *, limit: int, offset: int
) -> tuple[list[Asset], int]:
    """The asset with ``customer_key`` (none or one), or one page of all; and the total."""
    if customer_key is not None:
        found = await assets.get_by_key(db, account_id, customer_key)
        return ([found], 1) if found else ([], 0)
    page = await assets.list_page(db, account_id, limit=limit, offset=offset)
    return page, await assets.count(db, account_id)


async def patch(db: Db, account_id: int, asset_id: int, body: AssetPatch, *, now: int) -> Asset:
    """Replace the fields ``body`` gives; the customerKey stays unique."""
    current = await get(db, account_id, asset_id)
    fields = _fields(body, current)
    async with db.write():
        clash = await assets.get_by_key(db, account_id, fields["customer_key"])
        if clash is not None and clash.id != asset_id:
            raise Conflict("An asset with this customerKey exists", code=30004)
        await assets.update(
            db,
            Asset(
                id=asset_id,
                account_id=account_id,
                created_at=current.created_at,
                modified_at=now,
                **fields,
            ),
        )
    return await get(db, account_id, asset_id)


async def delete(db: Db, account_id: int, asset_id: int) -> None:
    if not await assets.delete(db, account_id, asset_id):
        raise NotFound(f"Asset {asset_id} not found", code=30003)


def to_wire(asset: Asset) -> shapes.AssetOut:
    views = {
        "subjectline": asset.subject,
        "preheader": asset.preheader,
        "html": asset.html,
        "text": asset.text,
    }
    return shapes.AssetOut(
        id=asset.id,
        customer_key=asset.customer_key,
        name=asset.name,
        asset_type=shapes.AssetType(id=TYPE_IDS[asset.asset_type], name=asset.asset_type),
        views={name: shapes.View(content=content) for name, content in views.items()},
        created_date=clock.iso_utc(asset.created_at),
        modified_date=clock.iso_utc(asset.modified_at),
    )
