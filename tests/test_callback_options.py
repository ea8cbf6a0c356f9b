"""A callback's delivery options: one declared model (app/wire/delivery.py), one stored document."""

from __future__ import annotations

import pytest

from app.services.webhooks.callbacks import to_wire
from app.storage import callbacks, migrations
from app.storage.db import Db
from app.wire.callbacks import CallbackIn, CallbackOut, CallbackPatch
from app.wire.delivery import DeliveryOptions

_OLD_ROW = (
    "INSERT INTO accounts (id, name, created_at) VALUES (1, 'a', 0);"
    "INSERT INTO callbacks (id, account_id, name, url, max_batch_size, verified,"
    " signature_key, key_encoding, strict_order, sfmc_strict, created_at, updated_at)"
    " VALUES ('cb', 1, 'n', 'https://h.example/x', 5, 1, 'plain:k', 'utf8', 1, 0, 0, 0)"
)


async def test_existing_callbacks_keep_their_options_in_the_document(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Db(database_url)
    every = migrations.available(db.dialect)
    before = [m for m in every if m.version < 9]
    await db.connect()
    try:
        monkeypatch.setattr(migrations, "available", lambda dialect: before)
        await migrations.apply(db)
        async with db.write():
            for statement in _OLD_ROW.split(";"):
                await db.execute(statement)
        monkeypatch.setattr(migrations, "available", lambda dialect: every)
        await migrations.apply(db)
        found = await callbacks.get(db, 1, "cb")
    finally:
        await db.disconnect()
    assert found is not None
    assert found.options == {"key_encoding": "utf8", "strict_order": True, "sfmc_strict": False}
    assert list(to_wire(found))[-3:] == ["keyEncoding", "strictOrder", "sfmcStrict"]


def test_the_callback_shapes_take_every_option_from_the_one_model() -> None:
    options = set(DeliveryOptions.model_fields)
    assert options <= set(CallbackIn.model_fields)
    assert options <= set(CallbackPatch.model_fields)
    assert options <= set(CallbackOut.model_fields)
    patch = CallbackPatch.model_validate({"callbackId": "c", "strictOrder": True})
    assert patch.changes() == {"strict_order": True}
