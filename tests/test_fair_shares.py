"""Accounts share the sender and the dispatcher fairly: one account's backlog or hanging
receivers do not hold up another's messages (real SMTP relay and receivers on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import collections
import threading
import time
from collections.abc import Awaitable, Callable

import pytest

from app.services import fairshare
from app.storage import messages
from tests.conftest import FakeClock, Service, make_tenant, running, settings_for
from tests.receiver import receiver
from tests.sending import email_definition
from tests.smtp_server import smtp_server
from tests.webhooks import register, send_email, subscribe


async def _until(condition: Callable[[], object], *, within_s: float, what: str) -> None:
    deadline = time.monotonic() + within_s
    while not condition():
        assert time.monotonic() < deadline, f"not within {within_s}s: {what}"
        await asyncio.sleep(0.01)


@pytest.mark.parametrize(
    ("candidates", "limit", "rooms", "chosen"),
    [
        # A's backlog is older, yet B's one item is taken in the first round.
        ([(1, "a1"), (1, "a2"), (1, "a3"), (2, "b1")], 4, {}, ["a1", "b1", "a2", "a3"]),
        ([(1, "a1"), (1, "a2"), (1, "a3"), (2, "b1")], 2, {}, ["a1", "b1"]),
        # Each account gets at most its room; alone, it gets the whole pass up to its room.
        ([(1, "a1"), (1, "a2"), (1, "a3"), (2, "b1")], 10, {1: 2}, ["a1", "b1", "a2"]),
        ([(1, "a1"), (1, "a2")], 10, {1: 0}, []),
        ([(2, "b1"), (1, "a1"), (2, "b2")], 10, {}, ["b1", "a1", "b2"]),
    ],
)
def test_accounts_take_turns(
    candidates: list[tuple[int, str]], limit: int, rooms: dict[int, int], chosen: list[str]
) -> None:
    assert fairshare.take_turns(candidates, limit=limit, room=lambda a: rooms.get(a, 9)) == chosen


@pytest.mark.parametrize(
    ("candidates", "limit", "reserve", "idle", "chosen"),
    [
        # Busy accounts leave the reserve free; an idle one's first turn may use it, and first.
        ([(1, "a1"), (1, "a2"), (1, "a3"), (2, "b1")], 4, 2, set(), ["a1", "b1"]),
        ([(1, "a1"), (1, "a2"), (2, "b1"), (2, "b2")], 3, 2, {2}, ["b1"]),
        ([(1, "a1"), (2, "b1"), (3, "c1")], 2, 2, {2, 3}, ["b1", "c1"]),
        ([(1, "a1"), (1, "a2"), (2, "b1"), (2, "b2")], 6, 2, {2}, ["b1", "a1", "b2", "a2"]),
    ],
)
def test_idle_accounts_have_a_share_kept_free(
    candidates: list[tuple[int, str]], limit: int, reserve: int, idle: set[int], chosen: list[str]
) -> None:
    got = fairshare.take_turns(
        candidates, limit=limit, room=lambda _: 9, reserve=reserve, idle=idle
    )
    assert got == chosen


@pytest.mark.parametrize(
    ("slots", "cap", "hanging"), [(50, None, 13), (10, None, 3), (100, None, 26), (100, 25, 28)]
)
def test_accounts_turning_up_one_by_one_find_a_free_slot(
    slots: int, cap: int | None, hanging: int
) -> None:
    """Accounts whose receivers never answer turn up one after another, each with a backlog,
    and are claimed for as the dispatcher does: each still starts a POST at once (the README's
    figure: with the defaults, every slot is held only once 13 accounts hang, the first holding
    all but the reserve and each later one a slot of it), and the next one finds none."""
    held: collections.Counter[int] = collections.Counter()
    for newcomer in range(1, hanging + 2):
        due = [(account, (account, n)) for account in range(1, newcomer + 1) for n in range(100)]
        for _ in range(3):  # several passes before anything finishes
            busy = set(held)
            share = fairshare.share(slots, len(busy | {newcomer}), cap=cap)
            for account, _ in fairshare.take_turns(
                due,
                limit=slots - sum(held.values()),
                room=lambda account, share=share: share - held[account],
                reserve=fairshare.reserve(slots),
                idle={newcomer} - busy,
            ):
                held[account] += 1
        if newcomer <= hanging:
            assert held[newcomer] >= 1, f"account {newcomer} found no slot: {held}"
    assert held[hanging + 1] == 0 and sum(held.values()) == slots
    assert max(held.values()) == min(cap or slots, slots - fairshare.reserve(slots))


@pytest.mark.parametrize(
    ("slots", "accounts", "cap", "expected"),
    [(50, 1, None, 38), (50, 2, None, 19), (50, 1, 25, 25), (10, 1, None, 8), (5, 9, None, 1)],
)
def test_a_share_is_what_the_reserve_leaves_split_between_accounts(
    slots: int, accounts: int, cap: int | None, expected: int
) -> None:
    assert fairshare.share(slots, accounts, cap=cap) == expected


async def test_a_backlog_does_not_hold_up_another_accounts_send(
    database_url: str, clock: FakeClock
) -> None:
    """A queues 2,000 messages through a slow relay; B's one Broadcast send, made after them,
    goes out while most of A's are still queued, and A never has more than its share claimed."""
    with smtp_server() as (url, relay):
        relay.delay_s = 0.01
        settings = settings_for(database_url, smtp_url=url, send_concurrency=2, send_per_account=4)
        async with running(settings, clock) as service:
            a, b = await make_tenant(service, "a"), await make_tenant(service, "b")
            await email_definition(service, a)
            backlog = await service.http.post(
                "/messaging/v1/email/messages",
                headers=a.headers,
                json={
                    "definitionKey": "order-confirm",
                    "attributes": {"FirstName": "Ana", "OrderNo": "1"},
                    "recipients": [
                        {"contactKey": f"c{i}", "to": f"r{i}@example.com"} for i in range(2000)
                    ],
                },
            )
            assert backlog.status_code == 202, backlog.text
            clock.advance(1)  # B's send is due after every one of A's
            sent = await service.http.post(
                "/api/v1/transactionals.json",
                headers=b.api_headers,
                json={"to": "bea@example.com", "subject": "Hi", "body": "Hello"},
            )
            assert sent.status_code in (200, 201), sent.text
            claimed_by_a: list[int] = []
            deadline = time.monotonic() + 10
            while await _status_of(service, b.account_id) != messages.SENT:
                assert time.monotonic() < deadline, "B's message was not sent within 10 s"
                claimed_by_a.append(await _count(service, a.account_id, messages.SENDING))
                await asyncio.sleep(0.005)
            assert await _count(service, a.account_id, messages.QUEUED) > 1000
            assert max(claimed_by_a) <= 4  # send_per_account
            assert "bea@example.com" in [r for got in relay.received for r in got.rcpt_tos]


async def _status_of(service: Service, account_id: int) -> str | None:
    return await service.db.fetch_val(  # type: ignore[no-any-return]
        "SELECT status FROM messages WHERE account_id = :a", {"a": account_id}
    )


async def _count(service: Service, account_id: int, status: str) -> int:
    found = await service.db.fetch_val(
        "SELECT COUNT(*) FROM messages WHERE account_id = :a AND status = :s",
        {"a": account_id, "s": status},
    )
    return int(found)


async def test_hanging_receivers_of_one_account_leave_slots_for_another(
    database_url: str, clock: FakeClock
) -> None:
    """A's three callbacks (maxBatchSize 1) answer the probe but never a batch; A's POSTs take
    only its share of the slots, and B's event is delivered while A's batches still wait."""
    settings = settings_for(
        database_url,
        allow_private_callbacks=True,
        webhook_concurrency=6,
        webhook_per_account=3,
        webhook_timeout_s=30.0,
    )
    async with running(settings, clock) as service, receiver() as hanging, receiver() as fine:
        hold = hanging.hold_batches = asyncio.Event()
        try:
            a, b = await make_tenant(service, "a"), await make_tenant(service, "b")
            for tenant, target, paths in ((a, hanging, ("/1", "/2", "/3")), (b, fine, ("/b",))):
                await email_definition(service, tenant)
                for path in paths:
                    callback_id, _ = await register(service, tenant, target, path, maxBatchSize=1)
                    await subscribe(service, tenant, callback_id, name=f"s{path[1:]}")
            for n in range(4):  # 12 batches for A, twice the slots
                await send_email(service, a, f"a-{n}")
            await _until(lambda: len(hanging.batches) >= 3, within_s=10, what="A's POSTs")
            await send_email(service, b, "b-1")
            await _until(lambda: len(fine.accepted()) == 1, within_s=5, what="B's delivery")
            assert len(hanging.batches) == 3  # webhook_per_account, though slots were free
            waiting = await service.db.fetch_val(
                "SELECT COUNT(*) FROM batches WHERE account_id = :a AND status = 'pending'",
                {"a": a.account_id},
            )
            assert waiting == 9
        finally:
            hold.set()


async def test_hanging_receivers_of_two_accounts_leave_slots_for_a_third(
    database_url: str, clock: FakeClock
) -> None:
    """A's and C's four callbacks each answer the probe but never a batch, and both have more
    batches than the old per-account cap; B's event, sent after they fill what they may, is
    delivered at once while every one of A's and C's POSTs still hangs."""
    settings = settings_for(
        database_url,
        allow_private_callbacks=True,
        webhook_concurrency=10,
        webhook_per_account=5,
        webhook_timeout_s=30.0,
    )
    async with (
        running(settings, clock) as service,
        receiver() as hanging_a,
        receiver() as hanging_c,
        receiver() as fine,
    ):
        holds = []
        for target in (hanging_a, hanging_c):
            target.hold_batches = asyncio.Event()
            holds.append(target.hold_batches)
        try:
            a, b, c = [await make_tenant(service, name) for name in ("a", "b", "c")]
            four = ("/1", "/2", "/3", "/4")
            for tenant, target, paths in (
                (a, hanging_a, four),
                (c, hanging_c, four),
                (b, fine, ("/b",)),
            ):
                await email_definition(service, tenant)
                for path in paths:
                    callback_id, _ = await register(service, tenant, target, path, maxBatchSize=1)
                    await subscribe(service, tenant, callback_id, name=f"s{path[1:]}")
            for n in range(3):  # 12 batches each for A and C, more than all the slots
                await send_email(service, a, f"a-{n}")
                await send_email(service, c, f"c-{n}")
            noisy = {"a": a.account_id, "c": c.account_id}
            await _until_async(
                lambda: _batches(service, noisy), equals=24, within_s=10, what="A's and C's batches"
            )
            await service.runtime.dispatcher.run_once()  # every slot A and C may take is taken
            leased = await _batches(service, noisy, status="sending")
            await _until(
                lambda: len(hanging_a.batches) + len(hanging_c.batches) == leased,
                within_s=10,
                what="A's and C's POSTs",
            )
            started = time.monotonic()
            await send_email(service, b, "b-1")
            await _until(lambda: len(fine.accepted()) == 1, within_s=3, what="B's delivery")
            assert time.monotonic() - started < settings.webhook_timeout_s / 10
            assert hanging_a.accepted() == hanging_c.accepted() == []  # still hanging
            assert await _batches(service, noisy, status="pending") > 0
        finally:
            for hold in holds:
                hold.set()


async def test_an_account_alone_fills_every_slot_but_the_reserve(
    database_url: str, clock: FakeClock
) -> None:
    """A alone, with a backlog to three receivers that hold every batch, has every slot but the
    reserve in flight (work-conserving); B, turning up then, starts its first POST at once from
    the reserve, and once A's receivers answer, B's POSTs rise to its share, then, with A done,
    to every slot but the reserve."""
    settings = settings_for(
        database_url, allow_private_callbacks=True, webhook_concurrency=10, webhook_timeout_s=30.0
    )
    reserve = fairshare.reserve(settings.webhook_concurrency)
    async with running(settings, clock) as service, receiver() as at_a, receiver() as at_b:
        holds = [asyncio.Event(), asyncio.Event()]
        at_a.hold_batches, at_b.hold_batches = holds
        try:
            a, b = await make_tenant(service, "a"), await make_tenant(service, "b")
            for tenant, target in ((a, at_a), (b, at_b)):
                await email_definition(service, tenant)
                for path in ("/1", "/2", "/3"):
                    callback_id, _ = await register(service, tenant, target, path, maxBatchSize=1)
                    await subscribe(service, tenant, callback_id, name=f"s{path[1:]}")
            for n in range(5):  # 15 batches for A, more than all the slots
                await send_email(service, a, f"a-{n}")
            await service.runtime.dispatcher.run_once()  # every slot A may take is taken
            alone = settings.webhook_concurrency - reserve
            await _until(lambda: len(at_a.batches) >= alone, within_s=10, what="A's POSTs")
            await service.runtime.dispatcher.run_once()
            assert await _count_batches(service, a.account_id, "sending") == alone  # reserve free
            started = time.monotonic()
            for n in range(5):  # 15 batches for B
                await send_email(service, b, f"b-{n}")
            await _until(lambda: len(at_b.batches) >= 1, within_s=3, what="B's first POST")
            assert time.monotonic() - started < settings.webhook_timeout_s / 10
            holds[0].set()  # A's POSTs answer: B's rise to its share, A's fall to theirs
            shared = fairshare.share(settings.webhook_concurrency, 2)
            await _until(lambda: len(at_b.batches) >= shared, within_s=10, what="B's share")
            await _until(lambda: len(at_a.accepted()) == 15, within_s=10, what="A's deliveries")
            await _until(lambda: len(at_b.batches) >= alone, within_s=10, what="B alone")
            await service.runtime.dispatcher.run_once()
            assert await _count_batches(service, b.account_id, "sending") == alone
        finally:
            for hold in holds:
                hold.set()


async def _count_batches(service: Service, account_id: int, status: str) -> int:
    found = await service.db.fetch_val(
        "SELECT COUNT(*) FROM batches WHERE account_id = :a AND status = :s",
        {"a": account_id, "s": status},
    )
    return int(found)


async def _batches(service: Service, accounts: dict[str, int], status: str | None = None) -> int:
    where = "" if status is None else f" AND status = '{status}'"
    found = await service.db.fetch_val(
        f"SELECT COUNT(*) FROM batches WHERE account_id IN (:a, :c){where}", accounts
    )
    return int(found)


async def _until_async(
    measure: Callable[[], Awaitable[int]], *, equals: int, within_s: float, what: str
) -> None:
    deadline = time.monotonic() + within_s
    while (got := await measure()) != equals:
        assert time.monotonic() < deadline, f"not within {within_s}s: {what} ({got})"
        await asyncio.sleep(0.01)


async def test_a_send_committed_during_a_pass_goes_out_before_that_pass_ends(
    database_url: str, clock: FakeClock
) -> None:
    """The relay holds the first message; the second, sent meanwhile, is claimed by a pass of
    its own and sent while the first pass still waits (passes used to run one at a time)."""
    gate, arrived = threading.Event(), threading.Event()
    with smtp_server() as (url, relay):
        relay.held["slow@example.com"] = (gate, arrived)
        settings = settings_for(database_url, smtp_url=url, send_concurrency=2)
        try:
            async with running(settings, clock) as service:
                a = await make_tenant(service, "a")
                await email_definition(service, a)
                for key, to in (("slow", "slow@example.com"), ("fast", "fast@example.com")):
                    sent = await service.http.post(
                        f"/messaging/v1/email/messages/{key}",
                        headers=a.headers,
                        json={"definitionKey": "order-confirm", "recipient": {
                            "contactKey": to, "to": to,
                            "attributes": {"FirstName": "Ana", "OrderNo": "1"}}},
                    )  # fmt: skip
                    assert sent.status_code == 202, sent.text
                    if key == "slow":  # its pass is under way, held at the relay
                        assert await asyncio.to_thread(arrived.wait, 10)
                deadline = time.monotonic() + 10
                while (
                    await messages.get_by_key(service.db, a.account_id, "email", "fast")
                ).status != messages.SENT:  # type: ignore[union-attr]
                    assert time.monotonic() < deadline, "the second send waited for the first"
                    await asyncio.sleep(0.01)
                slow = await messages.get_by_key(service.db, a.account_id, "email", "slow")
                assert slow is not None and slow.status == messages.SENDING
                gate.set()
        finally:
            gate.set()
