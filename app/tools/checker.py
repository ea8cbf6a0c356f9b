"""`tidings check-receiver URL --secret whsec_…`: fire signed test vectors at a receiver and
grade its answers against what a correct receiver answers.

A receiver may say how it handled a delivery by answering JSON with ``"duplicate": true`` when
it recognised a ``webhook-id`` it had processed already; then the duplicate vector checks that
it was processed once. Without that the vector can only check that it was accepted.
"""

from __future__ import annotations

import base64
import dataclasses
import time
from collections.abc import Callable
from typing import Any

import httpx
import orjson

from app import ids
from app.delivery import signing
from app.services.webhooks import fanout
from app.storage.events import Event
from app.wire.vocabulary import EventType

BATCH_MOST = 1000  # maxBatchSize's upper bound: a receiver must take a batch this large
STALE_S = 600  # Standard Webhooks verifiers refuse timestamps 5 minutes off


@dataclasses.dataclass(frozen=True)
class Vector:
    name: str
    expect_ok: bool
    what: str


VECTORS = [
    Vector("valid", True, "a correctly signed batch"),
    Vector("stale timestamp", False, f"signed, but {STALE_S} s old (a replay)"),
    Vector("tampered body", False, "signed, then one byte of the body changed"),
    Vector("wrong key", False, "signed with a key the receiver does not hold"),
    Vector("old key during rotation", True, "a new key's signature first, the receiver's second"),
    Vector("duplicate webhook-id", True, "the valid batch again: accepted, processed once"),
    Vector("oversize batch", True, f"{BATCH_MOST} events in one batch, as Tidings may send"),
]


def _events(count: int) -> bytes:
    now = int(time.time() * 1000)
    found = [
        fanout.to_wire(Event(
            event_id=ids.uuid4(), account_id=0, message_id=ids.uuid4(),
            channel="email", type=EventType.EMAIL_SENT.value,
            definition_key="tidings-check", definition_id=None, occurred_at=now,
            info={"messageKey": f"check-{n}", "to": "check@simulator.tidings.test"},
        ))
        for n in range(count)
    ]  # fmt: skip
    return orjson.dumps(found)


def _key(secret: str) -> str:
    return secret.removeprefix("whsec_")


def _signed(key: str, body: bytes, *, webhook_id: str, at: int, also: str | None = None) -> Any:
    headers = signing.headers(key=key, previous_key=also, webhook_id=webhook_id,
                              timestamp_s=at, body=body)  # fmt: skip
    return headers | {"Content-Type": "application/json"}


async def check(
    http: httpx.AsyncClient, url: str, secret: str, *, previous: str | None = None
) -> list[dict[str, Any]]:
    """Each vector's expected and actual answer, and whether it passed."""
    key, now = _key(secret), int(time.time())
    body, msg = _events(1), "msg_check_" + ids.hex32()
    new_key = base64.b64encode(ids.random_bytes(16) * 2).decode()
    sends: dict[str, Callable[[], tuple[bytes, dict[str, str]]]] = {
        "valid": lambda: (body, _signed(key, body, webhook_id=msg, at=now)),
        "stale timestamp": lambda: (body, _signed(key, body, webhook_id=_id(), at=now - STALE_S)),
        "tampered body": lambda: (body.replace(b"check-0", b"check-1"),
                                  _signed(key, body, webhook_id=_id(), at=now)),
        "wrong key": lambda: (body, _signed(new_key, body, webhook_id=_id(), at=now)),
        "old key during rotation": lambda: (body, _signed(
            new_key, body, webhook_id=_id(), at=now, also=_key(previous) if previous else key)),
        "duplicate webhook-id": lambda: (body, _signed(key, body, webhook_id=msg, at=now)),
        "oversize batch": lambda: _oversize(key, now),
    }  # fmt: skip
    rows = []
    for vector in VECTORS:
        sent_body, headers = sends[vector.name]()
        rows.append(await _fire(http, url, vector, sent_body, headers))
    return rows


def _id() -> str:
    return "msg_check_" + ids.hex32()


def _oversize(key: str, now: int) -> tuple[bytes, dict[str, str]]:
    body = _events(BATCH_MOST)
    return body, _signed(key, body, webhook_id=_id(), at=now)


async def _fire(
    http: httpx.AsyncClient, url: str, vector: Vector, body: bytes, headers: dict[str, str]
) -> dict[str, Any]:
    try:
        reply = await http.post(url, content=body, headers=headers)
        status, said = reply.status_code, _said(reply)
    except httpx.HTTPError as exc:
        status, said = None, {}
        got = type(exc).__name__
    ok = status is not None and 200 <= status < 300
    passed = ok == vector.expect_ok
    if status is not None:
        got = str(status)
    if vector.name == "duplicate webhook-id" and "duplicate" in said:
        passed = passed and said["duplicate"] is True
        got += " processed once" if said["duplicate"] is True else " processed again"
    expected = "2xx" if vector.expect_ok else "4xx (refused)"
    return {"vector": vector.name, "what": vector.what, "expected": expected, "got": got,
            "pass": passed}  # fmt: skip


def _said(reply: httpx.Response) -> dict[str, Any]:
    try:
        found = reply.json()
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def table(rows: list[dict[str, Any]]) -> str:
    """The graded table, one line per vector."""
    lines = [f"{'vector':<26}{'expected':<16}{'got':<26}grade"]
    for row in rows:
        grade = "PASS" if row["pass"] else "FAIL"
        lines.append(f"{row['vector']:<26}{row['expected']:<16}{row['got']:<26}{grade}")
    passed = sum(row["pass"] for row in rows)
    lines.append(f"{passed}/{len(rows)} as a correct receiver answers")
    return "\n".join(lines)
