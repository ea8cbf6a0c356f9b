"""Email over SMTP (aiosmtplib) with reused connections, bounded concurrency and VERP bounces."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from email import policy as email_policy
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from app.providers import Email, Result, mime

# A non-ASCII local part has no ASCII form, so such a message cannot go through this relay at all.
_NO_SMTPUTF8 = (
    "the relay does not offer SMTPUTF8 (RFC 6531), which an address whose part before the @"
    " is not ASCII needs"
)


async def _offers_smtputf8(smtp: aiosmtplib.SMTP) -> bool:
    if smtp.is_ehlo_or_helo_needed:
        await smtp.ehlo()
    return smtp.supports_extension("smtputf8")


async def _hand_over(
    smtp: aiosmtplib.SMTP,
    message: EmailMessage,
    sender: str,
    recipients: list[str],
    *,
    utf8: bool,
) -> tuple[dict[str, aiosmtplib.SMTPResponse], str]:
    """MAIL, RCPT, DATA; the recipients refused while others were taken, and the relay's
    answer to DATA."""
    if not utf8:
        return await smtp.send_message(message, sender=sender, recipients=recipients)
    # aiosmtplib picks SMTPUTF8 from the envelope alone, whose sender (the VERP return path) is
    # ASCII even when the From header is not: the message is flattened with UTF-8 headers here.
    options = ["SMTPUTF8"]
    if smtp.supports_extension("8bitmime"):
        options.append("BODY=8BITMIME")
    flat = message.as_bytes(policy=email_policy.SMTPUTF8)
    return await smtp.sendmail(sender, recipients, flat, mail_options=options)


class SmtpProvider:
    """``smtp://[user:pass@]host[:port][?starttls=true]`` or ``smtps://…`` (implicit TLS)."""

    def __init__(
        self, url: str, *, bounce_domain: str, concurrency: int = 10, timeout_s: float = 30.0
    ) -> None:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        self._options = {
            "hostname": parts.hostname or "localhost",
            "port": parts.port or (465 if parts.scheme == "smtps" else 25),
            "use_tls": parts.scheme == "smtps",
            "start_tls": True if query.get("starttls") == ["true"] else None,
            "username": unquote(parts.username) if parts.username else None,
            "password": unquote(parts.password) if parts.password else None,
            "timeout": timeout_s,
        }
        self._bounce_domain = bounce_domain
        self._slots = asyncio.Semaphore(concurrency)
        self._idle: list[aiosmtplib.SMTP] = []

    def return_path(self, message_id: str) -> str:
        """VERP: the bounce address names the message, so a DSN finds it without parsing."""
        return f"bounces+{message_id}@{self._bounce_domain}"

    async def send_email(self, email: Email) -> Result:
        try:
            message = mime.build(email, domain=self._bounce_domain)
            sender = mime.envelope(self.return_path(email.message_id))
            to = mime.envelope(email.to)
            recipients = [to, *(mime.envelope(a) for a in (*email.cc, *email.bcc))]
        except mime.Unbuildable as exc:
            return Result("unbuildable", str(exc))
        utf8 = mime.needs_smtputf8(email)
        try:
            async with self._connection() as smtp:
                if utf8 and not await _offers_smtputf8(smtp):
                    return Result("rejected", _NO_SMTPUTF8)
                refused, answer = await _hand_over(smtp, message, sender, recipients, utf8=utf8)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            first = exc.recipients[0]
            return Result.from_smtp(first.code, first.message)
        except aiosmtplib.SMTPSenderRefused as exc:
            return Result.from_smtp(exc.code, exc.message, at_mail_from=True)
        except aiosmtplib.SMTPResponseException as exc:  # at DATA, or any other refusal
            return Result.from_smtp(exc.code, exc.message)
        except (aiosmtplib.SMTPException, OSError) as exc:  # timeouts are OSErrors too
            return Result("deferred", f"{type(exc).__name__}: {exc}")
        if to in refused:
            response = refused[to]
            return Result.from_smtp(response.code, response.message)
        return Result("sent", f"250 {answer}".strip(), provider_id=message["Message-ID"])

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[aiosmtplib.SMTP]:
        async with self._slots:
            smtp = self._idle.pop() if self._idle else None
            if smtp is None or not smtp.is_connected:
                smtp = aiosmtplib.SMTP(**self._options)  # type: ignore[arg-type]
                await smtp.connect()
            try:
                yield smtp
            except BaseException:
                smtp.close()
                raise
            if smtp.is_connected:
                self._idle.append(smtp)

    async def close(self) -> None:
        while self._idle:
            smtp = self._idle.pop()
            with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                await smtp.quit()
