"""Fan-out cost of subscriptions that never match: ``python -m bench.subscriptions``.

A served Tidings on SQLite (as ``python -m bench`` starts it): 200 sends with no subscriptions,
then 200 with 20 callbacks of 200 subscriptions each, written straight into its database, that
never match the sends' events (other event types, or EmailSent for another definitionKey);
prints the time of each and their ratio. Nothing is POSTed.
"""

from __future__ import annotations

import asyncio
import pathlib
import statistics
import sys
import tempfile
import time
import uuid

import httpx

from app import clock
from app.storage import callbacks, messages, subscriptions
from app.storage.db import Db
from bench import provision
from bench.__main__ import Bench, Sizes

SENDS, CALLBACKS, PER_CALLBACK = 200, 20, 200
OTHER_TYPES = ["TransactionalSendEvents.SmsSent", "TransactionalSendEvents.EmailBounced"]


async def _subscribe_never_matching(db: Db, account_id: int) -> None:
    now = clock.now_ms()
    async with db.write():
        await subscriptions.bump_version(db, account_id)
        for c in range(CALLBACKS):
            callback_id = str(uuid.uuid4())
            await callbacks.insert(
                db,
                callbacks.Callback(
                    id=callback_id, account_id=account_id, name=f"cb {c}",
                    url=f"https://hooks.example.com/{c}", max_batch_size=1, verified=True,
                    signature_key="unused", options={}, created_at=now, updated_at=now,
                ),
            )  # fmt: skip
            for s in range(PER_CALLBACK):
                odd = s % 2 == 1
                await subscriptions.insert(
                    db,
                    subscriptions.Subscription(
                        id=str(uuid.uuid4()), account_id=account_id, callback_id=callback_id,
                        name=f"sub {c}-{s}",
                        event_types=["TransactionalSendEvents.EmailSent"] if odd else OTHER_TYPES,
                        filters=[f"definitionKey=other-{s}"] if odd else [],
                        status=subscriptions.ACTIVE, status_reason="", buffer_while_paused=False,
                        created_at=now, updated_at=now,
                    ),
                )  # fmt: skip


async def _run(*, with_subscriptions: bool) -> float:
    with tempfile.TemporaryDirectory() as folder:
        bench = Bench(Sizes.of(True, None), pathlib.Path(folder), None)
        url = bench.database()
        async with bench.tidings(url) as (tidings, _, _pids):
            db = Db(url)
            await db.connect()
            try:
                return await _timed(tidings.base, tidings.headers, db, with_subscriptions)
            finally:
                await db.disconnect()


async def _timed(base: str, headers: dict[str, str], db: Db, with_subscriptions: bool) -> float:
    """Seconds from sending the batch to every message sent."""
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as api:
        if with_subscriptions:
            context = (await api.get("platform/v1/tokenContext")).json()
            await _subscribe_never_matching(db, int(context["organization"]["id"]))
        batch = {
            "definitionKey": "bench",
            "recipients": provision.numbered_recipients(range(SENDS)),
        }
        started = time.perf_counter()
        accepted = await api.post("messaging/v1/email/messages", json=batch)
        assert accepted.status_code == 202, accepted.text
    deadline = time.monotonic() + 120
    while True:
        sent = await db.fetch_val(
            "SELECT COUNT(*) FROM messages WHERE status = :s", {"s": messages.SENT}
        )
        if sent >= SENDS:
            return time.perf_counter() - started
        assert time.monotonic() < deadline, f"{sent} of {SENDS} sent"
        await asyncio.sleep(0.005)


async def main(rounds: int) -> None:
    bare, loaded = [], []
    for _ in range(rounds):  # interleaved, so drift hits both alike
        bare.append(await _run(with_subscriptions=False))
        loaded.append(await _run(with_subscriptions=True))
    b, s = statistics.median(bare), statistics.median(loaded)
    print(f"{SENDS} sends, no subscriptions: {b:.2f} s (median of {rounds})")
    print(f"{SENDS} sends, {CALLBACKS}x{PER_CALLBACK} never-matching subscriptions: {s:.2f} s")
    print(f"ratio: {s / b:.2f}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3))
