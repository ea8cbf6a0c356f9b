"""A real SMTP server (aiosmtpd) on 127.0.0.1 that accepts, defers or rejects per recipient."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import email
import email.policy
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from bench.pg import free_port


@dataclasses.dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    smtp_utf8: bool = False  # MAIL FROM carried SMTPUTF8 (RFC 6531)


class Handler:
    """``reject…@`` gets 550 5.1.1 at RCPT, ``later…@`` gets 451 4.3.0, ``badsender…@`` gets
    553 5.1.8 at RCPT (the sender's domain, checked late as Postfix does); the rest is accepted.
    With ``refuse_sender`` set, MAIL FROM is answered with it."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.refuse_sender: str | None = None
        self.delay_s = 0.0  # a slow relay: each DATA waits this long before its answer
        # A recipient's DATA waits until its gate opens (at most 30 s); ``arrived`` is set
        # once that DATA has come.
        self.held: dict[str, tuple[threading.Event, threading.Event]] = {}

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.refuse_sender is not None:
            return self.refuse_sender
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address.startswith("reject"):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if address.startswith("badsender"):
            return f"553 5.1.8 <{envelope.mail_from}>: Sender address rejected: Domain not found"
        if address.startswith("later"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        for address in envelope.rcpt_tos:
            if address in self.held:
                gate, arrived = self.held[address]
                arrived.set()
                await asyncio.get_running_loop().run_in_executor(None, gate.wait, 30)
        if envelope.smtp_utf8:  # RFC 6532: the headers are UTF-8
            parsed = email.message_from_string(
                envelope.content.decode(), policy=email.policy.default
            )
        else:
            parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), parsed, envelope.smtp_utf8)  # type: ignore[arg-type]
        )
        return "250 2.0.0 queued"


@contextlib.contextmanager
def smtp_server(port: int | None = None, *, smtputf8: bool = True) -> Iterator[tuple[str, Handler]]:
    """A relay on 127.0.0.1; ``smtputf8=False`` makes one that does not offer SMTPUTF8."""
    handler = Handler()
    port = port or free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, enable_SMTPUTF8=smtputf8)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", handler
    finally:
        controller.stop()
