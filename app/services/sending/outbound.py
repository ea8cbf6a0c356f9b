"""The sender: claims stored messages, renders them, hands them to a provider, records outcomes.

Woken the moment a send is committed; the scheduler's sweep wakes it too, so nothing waits
longer than one sweep interval after a crash or a missed wake-up.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from app import clock, providers
from app.services import fairshare
from app.services.sending import compose, inbound, outcomes, reports, suppression
from app.services.sending.pass_reads import PassReads
from app.services.sending.provider_answers import outcome_of, retry_delay_s
from app.services.wakeups import Wakeups
from app.settings import Settings
from app.storage import definitions, messages, send_queue
from app.storage.db import Db
from app.wire import vocabulary

log = logging.getLogger("tidings.sender")
_RECEIPT_KINDS: dict[providers.ReceiptKind, vocabulary.Outcome] = {
    "failed": vocabulary.Outcome.BOUNCED,
    "delivered": vocabulary.Outcome.DELIVERED,
    "transient": vocabulary.Outcome.TRANSIENT,
}


def _named(name: str, address: str) -> str:
    """An address with its display name, as the console shows it (any script, unencoded)."""
    return f"{name} <{address}>" if name else address


class Sender:
    def __init__(
        self,
        db: Db,
        *,
        email: providers.EmailProvider,
        sms: providers.SmsProvider,
        settings: Settings,
        now: clock.Clock = clock.now_ms,
        on_outcome: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = db
        self._on_outcome = on_outcome  # wakes the webhook dispatcher
        self._wakes = Wakeups(dispatcher=on_outcome)
        self._email = email
        self._sms = sms
        self._settings = settings
        self._now = now
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(settings.send_concurrency)
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        # Claimed and not yet finished, per account: passes overlap, and an account's share
        # counts what its earlier passes still hold.
        self._claimed: collections.Counter[int] = collections.Counter()
        self._passes: set[asyncio.Task[None]] = set()
        self._more_due = False  # the last claim may have left due messages unclaimed

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="tidings-sender")

    async def stop(self, *, grace_s: float = 10.0) -> None:
        """Finish the deliveries under way (a cancelled query would outlive the loop), then
        stop; claimed messages not yet started go back to the queue."""
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        running = [self._task, *self._passes]
        try:
            await asyncio.wait_for(asyncio.shield(asyncio.gather(*running)), grace_s)
        except TimeoutError:
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)

    async def _run(self) -> None:
        """Claims whenever woken, while earlier passes still deliver: a message committed
        during a pass is claimed at once, not after that pass's slowest delivery."""
        while not self._stopping:
            self._wake.clear()
            try:
                batch = await self._claim_pass()
            except Exception:  # a database hiccup must not kill the sender; the sweep retries
                log.exception("sender pass failed")
                batch = []
            if batch:
                task = asyncio.create_task(self._deliver_pass(batch))
                self._passes.add(task)
                task.add_done_callback(self._pass_done)
                if self._more_due:
                    continue  # a backlog: claim the next pass at once
            # Everything due is claimed (or no room): wait for a commit, a pass that frees
            # room, or the sweep. An empty claim here would compete with the pass just begun.
            if not self._stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._settings.sweep_interval_s)

    def _pass_done(self, task: asyncio.Task[None]) -> None:
        self._passes.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("sender pass failed", exc_info=task.exception())
        if self._more_due:
            self._wake.set()  # its claims are free, and more was due than they left room for

    async def run_once(self) -> int:
        """Claim one batch of due messages and deliver them with bounded concurrency."""
        batch = await self._claim_pass()
        await self._deliver_pass(batch)
        return len(batch)

    async def _claim_pass(self) -> list[messages.Message]:
        async with self._db.write(durable=False):  # a lost claim is claimed again
            batch = await self._claim()
        self._claimed.update(message.account_id for message in batch)
        return batch

    async def _deliver_pass(self, batch: list[messages.Message]) -> None:
        reads = PassReads(self._db, batch)
        unsent = await asyncio.gather(*(self._guarded(message, reads) for message in batch))
        released = [message.id for message, skipped in zip(batch, unsent, strict=True) if skipped]
        if released:
            async with self._db.write():
                await send_queue.release(self._db, released, now=self._now())

    async def _claim(self) -> list[messages.Message]:
        """Accounts with due messages take turns, each up to its share less what it holds."""
        now, per_account = self._now(), max(1, self._settings.send_per_account)
        room = self._settings.send_concurrency * 4 - sum(self._claimed.values())
        if room <= 0:
            self._more_due = True
            return []
        due = await send_queue.due_by_account(self._db, now=now, per_account=per_account)
        chosen = fairshare.take_turns(
            due, limit=room, room=lambda account_id: per_account - self._claimed[account_id]
        )
        # More may be due than was claimed: some left out, or an account's read cut short.
        per_due = collections.Counter(account_id for account_id, _ in due)
        self._more_due = len(chosen) < len(due) or per_account in per_due.values()
        lease_ms = self._settings.send_lease_s * 1000
        return await send_queue.claim(self._db, chosen, now=now, lease_ms=lease_ms)

    async def _guarded(self, message: messages.Message, reads: PassReads) -> bool:
        """Deliver one claimed message; True when it was not started because we are stopping."""
        try:
            async with self._slots:
                if self._stopping:
                    return True
                try:
                    await self.deliver(message, reads)
                except Exception as exc:
                    log.exception("delivering message %s failed", message.id)
                    await self._retry_or_give_up(message, f"internal error: {type(exc).__name__}")
                self._on_outcome()
                return False
        finally:
            self._claimed[message.account_id] -= 1
            if self._claimed[message.account_id] <= 0:
                del self._claimed[message.account_id]

    async def deliver(self, message: messages.Message, reads: PassReads) -> None:
        definition = None
        if message.definition_id is not None:
            definition = await reads.definition(message.definition_id)
            if definition is None or definition.status == "Deleted":
                await self._not_sent(message, vocabulary.NotSent.DEFINITION_DELETED)
                return
            if not definition.is_active:
                await messages.hold(self._db, message.id, now=self._now())
                return
        try:
            if await reads.suppressed(message):
                raise compose.Unsendable(vocabulary.NotSent.SUPPRESSED)
            profile = await compose.subscriber(reads, message, definition, now=self._now())
            if message.channel == "email":
                await self._send_email(message, definition, profile, reads)
            else:
                await self._send_sms(message, definition, profile)
        except compose.Unsendable as failure:
            await self._not_sent(message, failure.code, failure.reason)

    async def _send_email(
        self,
        message: messages.Message,
        definition: definitions.Definition | None,
        profile: dict[str, Any],
        reads: PassReads,
    ) -> None:
        content = await compose.email(reads, message, definition, profile, settings=self._settings)
        result = await self._email.send_email(content)
        rendered = {
            "subject": content.subject,
            "html": content.html,
            "text": content.text,
            "from": _named(content.from_name, content.from_address),
            "to": _named(content.to_name, content.to),
            "cc": list(content.cc),
            "replyTo": content.reply_to,
        }
        await self._apply(message, result, rendered, content.subject)

    async def _send_sms(
        self,
        message: messages.Message,
        definition: definitions.Definition | None,
        profile: dict[str, Any],
    ) -> None:
        sms = compose.sms(message, definition, profile)
        result = await self._sms.send_sms(sms)
        await self._apply(message, result, {"text": sms.text, "from": sms.sender}, None)

    async def _apply(
        self,
        message: messages.Message,
        result: providers.Result,
        rendered: dict[str, Any],
        subject: str | None,
    ) -> None:
        now = self._now()
        if result.kind == "deferred":
            await self._retry_or_give_up(message, result.detail)
            return
        if result.kind == "unbuildable":
            log.warning("message %s could not be built: %s", message.id, result.detail)
        outcome = outcome_of(message, result, subject)
        event = await outcomes.record(
            self._db,
            message,
            outcome,
            now=now,
            rendered=rendered | {"answer": result.detail},  # the provider's answer, kept
            provider_id=result.provider_id,
            claimed=True,
        )
        if event is None:
            return  # finished meanwhile (see outcomes.record)
        if result.kind == "bounced":
            await suppression.after_bounce(
                self._db, message, result.enhanced_code or "", event.event_id, now=now
            )
        for report in result.later:
            await self._record_report(message, report)

    async def _record_report(self, message: messages.Message, report: providers.Report) -> None:
        """A report the provider handed back with the acceptance, recorded as /inbound would."""
        if message.channel == "email":
            bounce = reports.Bounce(
                hard=report.hard,
                smtp_reason=report.code,
                bounce_message=report.detail,
                message_id=message.id,
            )
            await inbound.record_bounce(self._db, bounce, now=self._now(), wake=self._wakes)
        else:
            receipt = reports.Receipt(
                kind=_RECEIPT_KINDS[report.receipt],
                status_code=report.code,
                status_message=report.detail,
                message_id=message.id,
            )
            await inbound.record_receipt(self._db, receipt, now=self._now(), wake=self._wakes)

    async def _retry_or_give_up(self, message: messages.Message, detail: str) -> None:
        now = self._now()
        first_try_at = message.queue_at or message.created_at
        if now - first_try_at >= self._settings.send_retry_window_s * 1000:
            ran_out = vocabulary.NotSent.UNSPECIFIED_ERROR
            await self._not_sent(message, ran_out, f"{ran_out.reason}: {detail}")
            return
        at = now + retry_delay_s(message.attempts) * 1000
        await messages.retry_at(self._db, message.id, at=at, now=now, note=detail[:500])

    async def _not_sent(
        self, message: messages.Message, code: vocabulary.NotSent, reason: str | None = None
    ) -> None:
        await outcomes.record(
            self._db,
            message,
            outcomes.not_sent(message, code, reason),
            now=self._now(),
            claimed=True,
        )
