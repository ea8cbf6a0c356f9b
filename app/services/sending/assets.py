"""Content assets (stand-in for Content Builder email assets): validation and views."""

from __future__ import annotations

from typing import Any

from app import clock
from app.errors import Conflict, Invalid, NotFound
from app.services.sending import render
from app.storage import assets
from app.storage.db import Db
from app.wire import validate

Asset = assets.Asset
ASSET_TYPES = {208: "htmlemail", 207: "templatebasedemail", 209: "textonlyemail"}
_TYPE_IDS = {name: type_id for type_id, name in ASSET_TYPES.items()} | {"textonly": 209}


def _view(views: dict[str, Any], *names: str) -> str:
    for name in names:
        view = views.get(name)
        if isinstance(view, dict) and isinstance(view.get("content"), str):
            return str(view["content"])
        if view is not None and not isinstance(view, dict):
            raise Invalid(f"views.{name} must be an object with content", code=10001)
    return ""


def _asset_type(value: Any) -> str:
    if value is None:
        return "htmlemail"
    if isinstance(value, dict):
        if value.get("id") in ASSET_TYPES:
            return ASSET_TYPES[value["id"]]
        if value.get("name") in _TYPE_IDS:
            return ASSET_TYPES[_TYPE_IDS[value["name"]]]
    raise Invalid("assetType must be {id: 208, name: htmlemail} (or 207/209)", code=10005)


def _fields(body: Any, current: Asset | None) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise Invalid("The request body must be a JSON object", code=10001)
    views = body.get("views") or {}
    if not isinstance(views, dict):
        raise Invalid("views must be an object", code=10001)
    base = (
        {}
        if current is None
        else {
            "name": current.name,
            "customer_key": current.customer_key,
            "asset_type": current.asset_type,
            "subject": current.subject,
            "preheader": current.preheader,
            "html": current.html,
            "text": current.text,
        }
    )
    fields = dict(base)
    if "name" in body:
        fields["name"] = body["name"]
    if "customerKey" in body:
        fields["customer_key"] = body["customerKey"]
    if "assetType" in body or current is None:
        fields["asset_type"] = _asset_type(body.get("assetType"))
    for field, names in (
        ("subject", ("subjectline", "subjectLine")),
        ("preheader", ("preheader",)),
        ("html", ("html",)),
        ("text", ("text",)),
    ):
        if any(name in views for name in names):
            fields[field] = _view(views, *names)
        fields.setdefault(field, "")
    if not isinstance(fields.get("name"), str) or not fields["name"].strip():
        raise Invalid("name is required", code=10002, field="name")
    if not isinstance(fields.get("customer_key"), str) or not fields["customer_key"]:
        raise Invalid("customerKey is required", code=10002, field="customerKey")
    if len(fields["customer_key"]) > 200:
        raise Invalid("customerKey must be at most 200 characters", code=10005)
    if not validate.is_single_line(fields["subject"]):
        raise Invalid(
            "views.subjectline must be one line, without line breaks or control characters",
            code=10005,
            field="views.subjectline",
        )
    regenerate = "html" in views and "text" not in views  # a generated text view follows its HTML
    if fields["html"] and (regenerate or not fields["text"]):
        fields["text"] = render.html_to_text(fields["html"])
    return fields


async def create(db: Db, account_id: int, body: Any, *, now: int) -> Asset:
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


async def patch(db: Db, account_id: int, asset_id: int, body: Any, *, now: int) -> Asset:
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


def to_wire(asset: Asset) -> dict[str, Any]:
    type_id = _TYPE_IDS[asset.asset_type]
    return {
        "id": asset.id,
        "customerKey": asset.customer_key,
        "name": asset.name,
        "assetType": {"id": type_id, "name": asset.asset_type},
        "views": {
            "subjectline": {"content": asset.subject},
            "preheader": {"content": asset.preheader},
            "html": {"content": asset.html},
            "text": {"content": asset.text},
        },
        "createdDate": clock.iso_utc(asset.created_at),
        "modifiedDate": clock.iso_utc(asset.modified_at),
    }
