"""A proper MIME message: multipart/alternative text + HTML, UTF-8 headers, Message-ID.

Internationalised addresses: a domain has an ASCII form (IDNA A-labels, ``xn--…``), so it goes
out in that form and any relay takes it; a local part that is not ASCII has none, so such a
message needs SMTPUTF8 (RFC 6531) and carries UTF-8 headers (RFC 6532), where addresses are
written as given.
"""

from __future__ import annotations

import functools
from email import errors as email_errors
from email import policy as email_policy
from email.headerregistry import Address, BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import idna

from app.providers import Email


class Unbuildable(Exception):
    """No valid message can be made of these values (a header the email package refuses)."""


# AttributeError: the email package's address parser trips over itself on some malformed
# addresses (``a@[bad``: 'InvalidHeaderDefect' object has no attribute 'all_defects').
_BUILD_ERRORS = (ValueError, TypeError, IndexError, AttributeError, email_errors.MessageError)


class _Headers(HeaderRegistry):
    """The stdlib's header factory, with what it remakes per message made once.

    Per message the stdlib makes a new header class with ``type()`` at each look-up (about 30)
    and parses the MIME headers it writes itself (Content-Type five times, with its
    parameters), the sender's From and the Date again: four fifths of the sandbox's time per
    message. Here each class is made once, and a header whose value repeats from message to
    message is parsed once and reused (headers are immutable; a value that fails to parse is
    never kept, so it fails each time). The recipient's headers are parsed each time.
    """

    _REUSED = frozenset(
        {"content-type", "content-transfer-encoding", "mime-version", "from", "reply-to", "date"}
    )

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[type, type[BaseHeader]] = {}  # one per header class: a dozen
        # A dozen MIME values, a From per sender, a Date per second; a boundary per multipart
        # flattened: the least recently used go.
        self._reused = functools.lru_cache(maxsize=256)(self._made)

    def __getitem__(self, name: str) -> type[BaseHeader]:
        kind = self.registry.get(name.lower(), self.default_class)
        made = self._classes.get(kind)
        if made is None:
            made = self._classes[kind] = type("_" + kind.__name__, (kind, self.base_class), {})
        return made

    def __call__(self, name: str, value: str) -> BaseHeader:
        if name.lower() in self._REUSED:
            return self._reused(name, value)
        return self._made(name, value)

    def _made(self, name: str, value: str) -> BaseHeader:
        return self[name](name, value)


# EmailMessage's own policy (email.policy.default) with that factory.
POLICY = email_policy.default.clone(header_factory=_Headers())


def needs_smtputf8(email: Email) -> bool:
    """Whether any address of the message has a local part that is not ASCII."""
    addresses = (email.from_address, email.to, email.reply_to or "", *email.cc, *email.bcc)
    return not all(a.rpartition("@")[0].isascii() for a in addresses)


def envelope(address: str) -> str:
    """The address for MAIL FROM / RCPT TO: its domain as IDNA A-labels; raises Unbuildable."""
    try:
        return _ascii_domain(address)
    except _BUILD_ERRORS as exc:
        raise Unbuildable(f"{type(exc).__name__}: {exc}") from exc


def build(email: Email, *, domain: str) -> EmailMessage:
    """The message; raises Unbuildable instead of the email package's ValueError and kin."""
    try:
        return _build(email, domain=domain)
    except _BUILD_ERRORS as exc:
        raise Unbuildable(f"{type(exc).__name__}: {exc}") from exc


def _build(email: Email, *, domain: str) -> EmailMessage:
    utf8 = needs_smtputf8(email)
    message = EmailMessage(policy=POLICY)
    message["From"] = _address(email.from_name, _written(email.from_address, utf8))
    message["To"] = _address(email.to_name, _written(email.to, utf8))
    if email.cc:
        message["Cc"] = ", ".join(_written(a, utf8) for a in email.cc)
    if email.reply_to:
        message["Reply-To"] = _written(email.reply_to, utf8)
    message["Subject"] = email.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=email.message_id, domain=_a_labels(domain))
    message["X-Tidings-Message-Id"] = email.message_id
    message.set_content(email.text, charset="utf-8")
    message.add_alternative(email.html, subtype="html", charset="utf-8")
    return message  # Bcc recipients go in the envelope only, never in a header


def _address(name: str, address: str) -> str:
    if not name:
        return address
    user, _, host = address.rpartition("@")
    return str(Address(display_name=name, username=user, domain=host))


def _written(address: str, utf8: bool) -> str:
    """In UTF-8 headers an address is written as given; in ASCII ones, its domain A-labelled."""
    return address if utf8 else _ascii_domain(address)


def _ascii_domain(address: str) -> str:
    user, at, host = address.rpartition("@")
    return address if host.isascii() else f"{user}{at}{_a_labels(host)}"


def _a_labels(host: str) -> str:
    return host if host.isascii() else idna.encode(host, uts46=True).decode("ascii")
