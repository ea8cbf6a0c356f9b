"""The message search stage: store many messages directly through storage, then time searches.

Filling goes through ``app.storage.messages.insert_many`` (driver-level batches of 5,000 rows,
one transaction each) on SQLite or PostgreSQL: the rows are what a send stores, spread over
30 days, 90 % email and 10 % SMS, 200,000 recipients, five definitions, mostly sent with some
not sent, bounced and queued. Going through the API would take hours per million.
"""

from __future__ import annotations

import random
import time
from typing import Any

import httpx

from app.storage import messages, migrations
from app.storage.db import Db

_DAY_MS = 86_400_000
_STATUSES = [("sent", 93), ("not_sent", 3), ("bounced", 2), ("queued", 2)]
CHUNK = 5000


def _message(rng: random.Random, n: int, account_id: int, at: int) -> messages.Message:
    sms = n % 10 == 9
    person = rng.randrange(200_000)
    status = rng.choices([s for s, _ in _STATUSES], weights=[w for _, w in _STATUSES])[0]
    return messages.Message(
        id=f"{n:08x}-bench", account_id=account_id, channel="sms" if sms else "email",
        message_key=f"key-{n}", request_id=f"r{n // 100}", definition_id=f"d{n % 5}",
        definition_key="otp" if sms else f"def{n % 5}", contact_key=f"c{person}",
        recipient=f"1555{person:07d}" if sms else f"Person{person}@Example.com",
        attributes={}, overrides={}, payload_hash="", status=status, created_at=at,
        updated_at=at, next_attempt_at=at, status_code=27 if status == "not_sent" else None,
        rendered={"subject": f"Order {n}"} if status != "queued" else None,
        sent_at=at if status == "sent" else None,
    )  # fmt: skip


async def fill(url: str, *, account_id: int, count: int, now_ms: int) -> float:
    """Store ``count`` messages for the account; the seconds it took."""
    started = time.monotonic()
    db = Db(url)
    await db.connect()
    try:
        await migrations.apply(db)
        if db.dialect == "sqlite":  # the indexes of a million rows, in memory while filling
            await db.execute("PRAGMA cache_size = -262144")
        rng = random.Random(15)
        # Stored in the order they were accepted, as sends are: most indexes grow at one end.
        times = sorted(now_ms - rng.randrange(30 * _DAY_MS) for _ in range(count))
        for start in range(0, count, CHUNK):
            batch = [
                _message(rng, n, account_id, times[n])
                for n in range(start, min(count, start + CHUNK))
            ]
            async with db.transaction():
                await messages.insert_many(db, batch)
    finally:
        await db.disconnect()
    return time.monotonic() - started


def queries(count: int) -> dict[str, dict[str, Any]]:
    """What the stage times: each way in, and a common filter with a rare one."""
    day = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 15 * 86400))
    until = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 14 * 86400))
    return {
        "newest page": {},
        "recipient (any casing)": {"recipient": "person4711@example.com"},
        "messageKey": {"messageKey": f"KEY-{count // 2}"},
        "definitionKey": {"definitionKey": "def3"},
        "status=bounced": {"status": "bounced"},
        "status=notSent, definitionKey": {"status": "notSent", "definitionKey": "def2"},
        "status=bounced, definitionKey": {"status": "bounced", "definitionKey": "otp"},
        "status=bounced, channel=sms": {"status": "bounced", "channel": "sms"},
        "status=notSent, recipient": {"status": "notSent", "recipient": "person4711@example.com"},
        "channel=sms": {"channel": "sms"},
        "one day, 15 days ago": {"from": day, "to": until},
    }


async def measure(
    base: str, headers: dict[str, str], params: dict[str, Any], *, rounds: int = 30
) -> tuple[float, float, int]:
    """(p50, max) ms of ``rounds`` searches (the first page, then the next via its cursor),
    and how many messages the first page listed."""
    times = []
    listed = 0
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
        for n in range(rounds):
            started = time.perf_counter()
            answer = await http.get("platform/v1/messages", params=params)
            answer.raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
            listed = len(answer.json()["items"])
            cursor = answer.json()["nextCursor"]
            if cursor and n % 2:  # every other round also times the next page
                started = time.perf_counter()
                (await http.get("platform/v1/messages", params=params | {"cursor": cursor}))
                times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return times[len(times) // 2], times[-1], listed
