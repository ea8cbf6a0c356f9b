"""Message status and the NotSent feed, in the shapes of the SFMC status API."""

from __future__ import annotations

from typing import Any

from app import clock
from app.errors import Invalid, NotFound
from app.storage import events, messages
from app.storage.db import Db
from app.wire import vocabulary

_Outcome = vocabulary.Outcome


def _category(channel: str, outcome: vocabulary.Outcome) -> str:
    return vocabulary.EventType.of(channel, outcome).status_api_type


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
        return body | {"eventCategoryType": vocabulary.STATUS_API_QUEUED[channel]}
    info: dict[str, Any] = {
        "messageKey": message.message_key,
        "contactKey": message.contact_key,
        "to": message.recipient,
        "messageId": message.id,  # extension: names the message in /inbound reports
    }
    if message.provider_id:  # extension: the Message-ID header, or the SMS gateway's id
        info["providerId"] = message.provider_id
    accepted = message.status == messages.SENT or message.sent_at is not None
    if accepted:
        category = _category(channel, _Outcome.SENT)
    else:  # not sent, or refused by the recipient's server before it accepted the message
        category = _category(channel, _Outcome.NOT_SENT)
        info["statusCode"] = message.status_code or int(vocabulary.NotSent.ERROR)
        info["statusMessage"] = vocabulary.NotSent.name_of(info["statusCode"])
        info["reason"] = message.status_message
    if message.status == messages.BOUNCED:  # extension: SFMC shows bounces only in ENS events
        info["bounced"] = True
        info["bounce"] = await _bounce(db, message)
    composite = f"{message.definition_id or 'NA'}.{message.account_id}.{message.id}"
    return body | {"eventCategoryType": category, "compositeId": composite, "info": info}


async def _bounce(db: Db, message: messages.Message) -> dict[str, Any]:
    """The newest bounce event's own fields, as the webhook carried them."""
    bounced = vocabulary.EventType.of(message.channel, _Outcome.BOUNCED)
    found = [e for e in await events.for_message(db, message.id) if e.type == bounced]
    if not found:
        return {}
    hidden = {"to", "subscriberKey", "messageKey"}
    if message.channel == "email":  # a hand-over bounce's NotSent code, shown above already
        hidden |= {"statusCode", "statusMessage", "reason"}
    shown = {k: v for k, v in found[-1].info.items() if k not in hidden}
    return shown | {"eventCategoryType": found[-1].type}


async def not_sent_feed(
    db: Db, account_id: int, channel: str, *, after_id: int, limit: int
) -> dict[str, Any]:
    found = await events.not_sent_feed(
        db,
        account_id,
        channel,
        not_sent_type=vocabulary.EventType.of(channel, _Outcome.NOT_SENT).value,
        bounced_type=vocabulary.EventType.of(channel, _Outcome.BOUNCED).value,
        after_id=after_id,
        limit=limit,
    )
    rows = [
        {
            "eventID": event.id,
            "eventCategoryType": _category(channel, _Outcome.NOT_SENT),
            "timestamp": clock.sfmc_time(event.occurred_at),
            "definitionKey": event.definition_key,
            "statusCode": int(event.info.get("statusCode", vocabulary.NotSent.ERROR)),
            "statusMessage": event.info.get("statusMessage", ""),
            "info": {
                "messageKey": event.info.get("messageKey"),
                "contactKey": event.info.get("subscriberKey"),
                "to": event.info.get("to"),
                "reason": event.info.get("reason"),
            },
        }
        for event in found
    ]
    last = found[-1].id if found else after_id
    return {"lastEventID": last, "count": len(rows), "messages": rows}


def feed_type(value: str | None) -> None:
    if value is None or value.lower() != "notsent":
        raise Invalid("type=notSent is the only supported type", code=10005)
