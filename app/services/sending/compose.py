"""What the sender hands a provider: a message's content rendered from its definition, its asset
and the recipient's attributes, and the subscriber it adds or updates on the way.

Anything that makes a message unsendable before hand-over raises ``Unsendable`` with its NotSent
code: a missing attribute, an empty subject, a cc that is no address, a missing asset.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from typing import Any

from app import providers
from app.errors import Invalid
from app.services.sending import render
from app.services.sending.pass_reads import PassReads
from app.settings import Settings
from app.storage import definitions, messages, subscribers
from app.wire import validate, vocabulary


@dataclasses.dataclass(frozen=True)
class Unsendable(Exception):
    """The message cannot be sent: it ends NotSent with ``code`` (and ``reason``)."""

    code: vocabulary.NotSent
    reason: str | None = None  # the code's own, unless given


def _copies(addresses: list[str], code: vocabulary.NotSent) -> tuple[str, ...]:
    """Rendered cc/bcc addresses in their normal form; one that is not an address: NotSent."""
    try:
        return tuple(validate.email_address(a) for a in addresses)
    except Invalid as exc:
        raise Unsendable(code) from exc


@contextlib.contextmanager
def _missing_attribute_is_not_sent() -> Iterator[None]:
    """An unresolved %%Name%% ends the message NotSent 10, naming the attribute."""
    try:
        yield
    except render.MissingAttribute as missing:
        raise Unsendable(
            vocabulary.NotSent.MISSING_REQUIRED_ATTRIBUTES,
            f"Attribute %%{missing.name}%% has no value",
        ) from missing


async def subscriber(
    reads: PassReads,
    message: messages.Message,
    definition: definitions.Definition | None,
    *,
    now: int,
) -> dict[str, Any]:
    """The subscriber's profile attributes; adds or updates it as the definition says.

    A send without a definition (Broadcast-style) neither reads nor creates subscribers:
    its content is literal and it was associated with a subscriber when accepted.
    """
    if definition is None:
        return {}
    options = definition.body.get("subscriptions") or {}
    existing = await reads.subscriber(message)
    db = reads.db
    auto_add = options.get("autoAddSubscriber", True)
    update = options.get("updateSubscriber", True)
    if existing is None and not auto_add:
        if message.channel == "sms":
            raise Unsendable(vocabulary.NotSent.MOBILE_ADDRESS_NOT_FOUND)
        raise Unsendable(vocabulary.NotSent.NO_SUBSCRIBER)
    if existing is None or update:
        email = message.recipient if message.channel == "email" else None
        phone = message.recipient if message.channel == "sms" else None
        added = subscribers.Subscriber(
            message.account_id, message.contact_key, email, phone, {}, now, now
        )
        # The messages of a pass add their subscribers in one commit (SQLite), not one each.
        await db.grouped_statement(lambda: subscribers.upsert(db, added, update=update))
    return existing.attributes if existing else {}


async def email(
    reads: PassReads,
    message: messages.Message,
    definition: definitions.Definition | None,
    profile: dict[str, Any],
    *,
    settings: Settings,
) -> providers.Email:
    """The email to hand the provider: the definition's asset (or the send's own content)
    rendered with the recipient's attributes; raises Unsendable."""
    values = render.attribute_lookup(message.attributes, profile)
    source = await _email_source(reads, message, definition)
    options = (definition.body.get("options") or {}) if definition else {}

    def expand(template: str, *, escape_html: bool = False) -> str:
        if definition is None:  # Broadcast-style content is sent as written
            return template
        return render.substitute(template, values, escape_html=escape_html)

    with _missing_attribute_is_not_sent():
        subject = render.single_line(expand(source["subject"]))
        preheader = expand(source["preheader"])
        html = expand(source["html"], escape_html=True)
        text = expand(source["text"]) if source["text"] else ""
        cc = [expand(a) for a in options.get("cc") or []]
        bcc = [expand(a) for a in options.get("bcc") or []]
    if not subject:
        raise Unsendable(vocabulary.NotSent.EMPTY_SUBJECT)
    return providers.Email(
        message_id=message.id,
        from_address=options.get("fromAddress") or settings.from_address,
        from_name=render.single_line(options.get("fromName") or settings.from_name),
        to=message.recipient,
        cc=_copies(cc, vocabulary.NotSent.INVALID_CC),
        bcc=_copies(bcc, vocabulary.NotSent.INVALID_BCC),
        subject=subject,
        html=render.with_preheader(html, preheader),
        text=text or render.html_to_text(html),
        reply_to=message.overrides.get("reply_to"),
        to_name=render.single_line(message.overrides.get("to_name") or ""),
    )


async def _email_source(
    reads: PassReads, message: messages.Message, definition: definitions.Definition | None
) -> dict[str, str]:
    """Subject, preheader, HTML and text templates: the definition's asset, or the send's."""
    if definition is None:
        return {k: message.overrides.get(k, "") for k in ("subject", "preheader", "html", "text")}
    key = (definition.body.get("content") or {}).get("customerKey", "")
    asset = await reads.asset(message.account_id, key)
    if asset is None:
        raise Unsendable(
            vocabulary.NotSent.BUILD_EMAIL_ERROR, f"Content asset {key!r} does not exist"
        )
    return {
        "subject": asset.subject,
        "preheader": asset.preheader,
        "html": asset.html,
        "text": asset.text,
    }


def sms(
    message: messages.Message,
    definition: definitions.Definition | None,
    profile: dict[str, Any],
) -> providers.Sms:
    """The SMS to hand the gateway: the definition's text rendered with the attributes."""
    body = definition.body if definition else {}
    template = message.overrides.get("message") or (body.get("content") or {}).get("message", "")
    values = render.attribute_lookup(message.attributes, profile)
    with _missing_attribute_is_not_sent():
        text = render.substitute(template, values)
    options = body.get("subscriptions") or {}
    return providers.Sms(
        message_id=message.id,
        to=message.recipient,
        sender=str(options.get("shortCode", "")),
        text=text,
        country_code=options.get("countryCode"),
    )
