"""A proper MIME message: multipart/alternative text + HTML, UTF-8 headers, Message-ID."""

from __future__ import annotations

from email import errors as email_errors
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from app.providers import Email


class Unbuildable(Exception):
    """No valid message can be made of these values (a header the email package refuses)."""


def build(email: Email, *, domain: str) -> EmailMessage:
    """The message; raises Unbuildable instead of the email package's ValueError and kin."""
    try:
        return _build(email, domain=domain)
    except (ValueError, TypeError, IndexError, email_errors.MessageError) as exc:
        raise Unbuildable(f"{type(exc).__name__}: {exc}") from exc


def _build(email: Email, *, domain: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = _address(email.from_name, email.from_address)
    message["To"] = _address(email.to_name, email.to)
    if email.cc:
        message["Cc"] = ", ".join(email.cc)
    if email.reply_to:
        message["Reply-To"] = email.reply_to
    message["Subject"] = email.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=email.message_id, domain=domain)
    message["X-Tidings-Message-Id"] = email.message_id
    message.set_content(email.text, charset="utf-8")
    message.add_alternative(email.html, subtype="html", charset="utf-8")
    return message  # Bcc recipients go in the envelope only, never in a header


def _address(name: str, address: str) -> str:
    if not name:
        return address
    user, _, host = address.rpartition("@")
    return str(Address(display_name=name, username=user, domain=host))
