"""`tidings trigger <EventType>`: a real event of that type, through the real pipeline.

It sends to the sandbox's reserved recipient that yields the type (see the README's sandbox
table), with a definition of its own (``tidings-trigger-email`` / ``-sms``, made on first use),
so every subscribed callback and every listener sees a genuine event. Those recipients are in
the reserved ``.test`` domain and 555 numbers, so even a server on a real SMTP relay or SMS
gateway delivers nothing to anyone.
"""

from __future__ import annotations

from typing import Any

from app import ids
from app.errors import ConfigError
from app.providers import sandbox
from app.tools.client import Server
from app.wire.vocabulary import EventType

# The recipient whose send yields the type (an SMS receipt follows its SmsSent).
RECIPIENTS = {
    EventType.EMAIL_SENT: f"sent@{sandbox.EMAIL_DOMAIN}",
    EventType.EMAIL_BOUNCED: f"bounce@{sandbox.EMAIL_DOMAIN}",
    EventType.EMAIL_NOT_SENT: f"reject@{sandbox.EMAIL_DOMAIN}",
    EventType.SMS_SENT: sandbox.SMS_ACCEPT,
    EventType.SMS_DELIVERED: sandbox.SMS_DELIVER,
    EventType.SMS_TRANSIENT: sandbox.SMS_ENROUTE,
    EventType.SMS_BOUNCED: sandbox.SMS_BOUNCE,
    EventType.SMS_NOT_SENT: sandbox.SMS_REJECT,
}
KEY = "tidings-trigger-"
_ASSET = {"name": "tidings trigger", "assetType": {"id": 208, "name": "htmlemail"},
          "views": {"subjectline": {"content": "tidings trigger"},
                    "html": {"content": "<p>A test event from tidings trigger</p>"}}}  # fmt: skip


def type_named(name: str) -> EventType:
    found = EventType.lookup(name)
    if found is None or found not in RECIPIENTS:
        known = ", ".join(t.short for t in RECIPIENTS)
        raise ConfigError(f"tidings trigger makes {known}; not {name!r}")
    return found


async def trigger(server: Server, event_type: EventType) -> dict[str, Any]:
    """Send; the message key and recipient that will carry the event."""
    channel = event_type.channel.value
    key = KEY + channel
    if (await server.call("GET", f"messaging/v1/{channel}/definitions/{key}")).status_code != 200:
        await _define(server, channel, key)
    message_key = f"trigger-{ids.hex32()[:12]}"
    to = RECIPIENTS[event_type]
    recipient = {"contactKey": to, "to": to, "attributes": {}}
    sent = await server.call(
        "POST", f"messaging/v1/{channel}/messages/{message_key}",
        json={"definitionKey": key, "recipient": recipient},
    )  # fmt: skip
    if sent.status_code != 202:
        raise ConfigError(f"the send was refused: {sent.status_code} {sent.text[:300]}")
    return {"eventType": event_type.value, "messageKey": message_key, "recipient": to}


async def _define(server: Server, channel: str, key: str) -> None:
    if channel == "email":
        asset = _ASSET | {"customerKey": key + "-content"}
        made = await server.call("POST", "asset/v1/content/assets", json=asset)
        if made.status_code not in (201, 409):
            raise ConfigError(f"could not make the trigger content: {made.text[:300]}")
        body: dict[str, Any] = {"content": {"customerKey": key + "-content"}}
    else:
        body = {"content": {"message": "A test event from tidings trigger"},
                "subscriptions": {"shortCode": "15550000000", "keyword": "TRIGGER"}}  # fmt: skip
    made = await server.call(
        "POST", f"messaging/v1/{channel}/definitions",
        json=body | {"definitionKey": key, "name": "tidings trigger"},
    )  # fmt: skip
    if made.status_code not in (201, 409):
        raise ConfigError(f"could not make the trigger definition: {made.text[:300]}")
