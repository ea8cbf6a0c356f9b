"""Message status and the NotSent feed, in the shapes of the SFMC status API."""

from __future__ import annotations

from typing import Any

from app import clock
from app.errors import Invalid, NotFound
from app.services import outcomes
from app.storage import events, messages
from app.storage.db import Db


def _category(channel: str, what: str) -> str:
    # The status API spells SMS in capitals (SMSSent), unlike ENS (SmsSent).
    return outcomes.PREFIX + ("Email" if channel == "email" else "SMS") + what


async def of_message(
    db: Db, account_id: int, channel: str, key: str, request_id: str
) -> dict[str, Any]:
    message = await messages.get_by_key(db, account_id, channel, key)
    if message is None:
        raise NotFound(
            "MCMS_UTM_Runtime_ObjectNotFound: messageKey doesn't exist for this MID", code=30003
        )
    body: dict[str, Any] = {
        "requestId": request_id,
        "timestamp": clock.sfmc_time(message.updated_at),
    }
    if message.status not in messages.FINAL:
        return body | {"eventCategoryType": _category(channel, "Queued")}
    info: dict[str, Any] = {
        "messageKey": message.message_key,
        "contactKey": message.contact_key,
        "to": message.recipient,
    }
    accepted = message.status == messages.SENT or message.sent_at is not None
    if accepted:
        category = _category(channel, "Sent")
        if message.status == messages.BOUNCED:
            info["bounced"] = True  # extension: bounces otherwise show only in ENS events
    else:
        category = _category(channel, "NotSent")
        info["statusCode"] = message.status_code or 100
        info["statusMessage"] = outcomes.NOT_SENT_NAMES.get(info["statusCode"], "Error")
        if message.status == messages.BOUNCED:
            info["reason"] = message.status_message
    composite = f"{message.definition_id or 'NA'}.{message.account_id}.{message.id}"
    return body | {"eventCategoryType": category, "compositeId": composite, "info": info}


async def not_sent_feed(
    db: Db, account_id: int, channel: str, *, after_id: int, limit: int
) -> dict[str, Any]:
    kind = outcomes.PREFIX + ("EmailNotSent" if channel == "email" else "SmsNotSent")
    found = await events.feed(db, account_id, channel, kind, after_id=after_id, limit=limit)
    rows = [
        {
            "eventID": event.id,
            "eventCategoryType": _category(channel, "NotSent"),
            "timestamp": clock.sfmc_time(event.occurred_at),
            "definitionKey": event.definition_key,
            "statusCode": int(event.info.get("statusCode", 100)),
            "statusMessage": event.info.get("statusMessage", ""),
            "info": {
                "messageKey": event.info.get("messageKey"),
                "contactKey": event.info.get("subscriberKey"),
                "to": event.info.get("to"),
            },
        }
        for event in found
    ]
    last = found[-1].id if found else after_id
    return {"lastEventID": last, "count": len(rows), "messages": rows}


def feed_type(value: str | None) -> None:
    if value is None or value.lower() != "notsent":
        raise Invalid("type=notSent is the only supported type", code=10005)
