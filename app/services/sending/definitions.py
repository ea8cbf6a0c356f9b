"""SFMC send definitions (email and SMS): validation, merge-patch, archive-on-delete, queue."""

from __future__ import annotations

import copy
import secrets
import uuid
from typing import Any

from app import clock
from app.errors import Conflict, Invalid, NotFound
from app.services.sending import outcomes
from app.services.wakeups import Wakeups
from app.storage import assets, definitions, messages
from app.storage.db import Db
from app.wire import validate, vocabulary

Definition = definitions.Definition
_STATUSES = {"active": "Active", "inactive": "Inactive"}


def _missing(field: str) -> Invalid:
    return Invalid(
        f"MCMS_UTM_Validation_MissingRequiredField: {field} is required", code=10002, field=field
    )


def _bad(field: str, why: str) -> Invalid:
    return Invalid(f"MCMS_UTM_Validation_InvalidValue: {field} {why}", code=10005, field=field)


def _status(value: Any) -> str:
    if value is None:
        return "Active"
    if not isinstance(value, str) or value.lower() not in _STATUSES:
        raise _bad("status", "must be Active or Inactive (DELETE archives a definition)")
    return _STATUSES[value.lower()]


def _bool(section: dict[str, Any], name: str, default: bool) -> bool:
    value = section.get(name, default)
    if not isinstance(value, bool):
        raise _bad(name, "must be true or false")
    return value


def _section(body: dict[str, Any], name: str) -> dict[str, Any]:
    value = body.get(name) or {}
    if not isinstance(value, dict):
        raise _bad(name, "must be an object")
    return value


async def _shape(db: Db, account_id: int, channel: str, body: dict[str, Any]) -> dict[str, Any]:
    """The normalised stored body; raises Invalid naming the first bad field."""
    for field in ("name", "definitionKey"):
        if not isinstance(body.get(field), str) or not body[field].strip():
            raise _missing(field)
    if len(body["definitionKey"]) > 200 or len(body["name"]) > 200:
        raise _bad("definitionKey", "and name must be at most 200 characters")
    description = body.get("description") or ""
    if not isinstance(description, str):
        raise _bad("description", "must be a string")
    content, subs = _section(body, "content"), _section(body, "subscriptions")
    shaped: dict[str, Any] = {"description": description}
    if channel == "email":
        key = content.get("customerKey")
        if not isinstance(key, str) or not key:
            raise _missing("content.customerKey")
        if await assets.get_by_key(db, account_id, key) is None:
            raise _bad("content.customerKey", f"{key!r} is not a content asset of this account")
        shaped["classification"] = body.get("classification") or "Default Transactional"
        shaped["content"] = {"customerKey": key}
        shaped["subscriptions"] = _email_subscriptions(subs)
        shaped["options"] = _email_options(_section(body, "options"))
    else:
        message = content.get("message")
        if not isinstance(message, str) or not message:
            raise _missing("content.message")
        shaped["content"] = {"message": message}
        shaped["subscriptions"] = _sms_subscriptions(subs)
    return shaped


def _email_subscriptions(subs: dict[str, Any]) -> dict[str, Any]:
    shaped = {
        "list": subs.get("list") or "All Subscribers",
        "autoAddSubscriber": _bool(subs, "autoAddSubscriber", True),
        "updateSubscriber": _bool(subs, "updateSubscriber", True),
    }
    if subs.get("dataExtension"):
        shaped["dataExtension"] = str(subs["dataExtension"])
    return shaped


def _email_options(options: dict[str, Any]) -> dict[str, Any]:
    shaped: dict[str, Any] = {"trackLinks": _bool(options, "trackLinks", True)}
    for name in ("cc", "bcc"):
        addresses = options.get(name) or []
        if not isinstance(addresses, list):
            raise _bad(f"options.{name}", "must be an array of email addresses")
        shaped[name] = [_copy_address(a, f"options.{name}") for a in addresses]
    if options.get("fromAddress") is not None:
        try:
            shaped["fromAddress"] = validate.email_address(options["fromAddress"])
        except Invalid as exc:
            raise _bad("options.fromAddress", "must be an email address") from exc
    if options.get("fromName") is not None:
        if not validate.is_single_line(options["fromName"]):
            raise _bad(
                "options.fromName", "must be one line, without line breaks or control characters"
            )
        shaped["fromName"] = options["fromName"]
    return shaped


def _copy_address(value: Any, field: str) -> str:
    """A cc/bcc entry: an address in its normal form, or a %%Attribute%% filled in at send."""
    if isinstance(value, str) and value.startswith("%%"):
        return value
    try:
        return validate.email_address(value)
    except Invalid as exc:
        raise _bad(field, "must be an array of email addresses") from exc


def _sms_subscriptions(subs: dict[str, Any]) -> dict[str, Any]:
    short_code = subs.get("shortCode")
    if not isinstance(short_code, str | int) or not str(short_code).strip():
        raise _missing("subscriptions.shortCode")
    keyword = subs.get("keyword")
    if keyword is None or keyword == "":
        raise Invalid(
            "MCMS_UTM_Validation_MissingRequiredField_keyword: keyword is required",
            code=109120,
            field="subscriptions.keyword",
        )
    if not isinstance(keyword, str):
        raise Invalid(
            "MCMS_UTM_Validation_InvalidValue_keyword: keyword must be a string",
            code=109115,
            field="subscriptions.keyword",
        )
    shaped = {
        "shortCode": str(short_code),
        "keyword": keyword,
        "autoAddSubscriber": _bool(subs, "autoAddSubscriber", True),
        "updateSubscriber": _bool(subs, "updateSubscriber", True),
    }
    if subs.get("countryCode"):
        shaped["countryCode"] = str(subs["countryCode"])
    return shaped


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise Invalid("The request body must be a JSON object", code=10001)
    return body


async def create(db: Db, account_id: int, channel: str, body: Any, *, now: int) -> Definition:
    body = _object(body)
    shaped = await _shape(db, account_id, channel, body)
    definition = Definition(
        id=str(uuid.uuid4()),
        account_id=account_id,
        channel=channel,
        definition_key=body["definitionKey"],
        name=body["name"].strip(),
        status=_status(body.get("status")),
        body=shaped,
        created_at=now,
        modified_at=now,
    )
    async with db.write():
        if await definitions.get_by_key(db, account_id, channel, definition.definition_key):
            raise Conflict(
                "MCMS_UTM_Runtime_ObjectAlreadyExists: a definition with this key exists",
                code=30004,
            )
        if await definitions.name_taken(db, account_id, channel, definition.name, other_than=""):
            raise Conflict("MCMS_UTM_Runtime_ObjectAlreadyExists: the name is taken", code=30004)
        await definitions.insert(db, definition)
    return definition


async def get(db: Db, account_id: int, channel: str, key: str) -> Definition:
    found = await definitions.get_by_key(db, account_id, channel, key)
    if found is None:
        raise NotFound(
            "MCMS_UTM_Runtime_ObjectNotFound: definition key doesn't exist for this MID",
            code=30003,
        )
    return found


ORDERABLE = definitions.ORDERABLE  # the fields a list may be ordered by


async def list_page(
    db: Db,
    account_id: int,
    channel: str,
    *,
    status: tuple[str, bool] | None,
    order_by: str,
    descending: bool,
    limit: int,
    offset: int,
) -> list[Definition]:
    """One page of the channel's definitions, filtered by status (``(status, equal)``)."""
    return await definitions.list_page(
        db,
        account_id,
        channel,
        status=status,
        order_by=order_by,
        descending=descending,
        limit=limit,
        offset=offset,
    )


async def patch(
    db: Db, account_id: int, channel: str, key: str, body: Any, *, now: int, wake: Wakeups
) -> Definition:
    """Merge ``body`` into the definition; re-activating releases its queue (returns it)."""
    body = _object(body)
    current = await get(db, account_id, channel, key)
    if current.status == "Deleted":
        raise Invalid("MCMS_UTM_Runtime_InvalidOperation: the definition is deleted", code=30001)
    if "definitionKey" in body and str(body["definitionKey"]).lower() != key.lower():
        raise _bad("definitionKey", "cannot be changed")
    merged = _merge(current, body)
    shaped = await _shape(db, account_id, channel, merged)
    updated = Definition(
        id=current.id,
        account_id=account_id,
        channel=channel,
        definition_key=current.definition_key,
        name=merged["name"].strip(),
        status=_status(merged.get("status")),
        body=shaped,
        created_at=current.created_at,
        modified_at=now,
    )
    async with db.write():
        if await definitions.name_taken(
            db, account_id, channel, updated.name, other_than=current.id
        ):
            raise Conflict("MCMS_UTM_Runtime_ObjectAlreadyExists: the name is taken", code=30004)
        await definitions.update(db, updated)
        released = updated.is_active and not current.is_active
        if released:
            await messages.release_held(db, current.id, now=updated.modified_at)
    if released:
        wake.sender()
    return updated


def _merge(current: Definition, body: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = copy.deepcopy(current.body)
    merged |= {
        "name": current.name,
        "definitionKey": current.definition_key,
        "status": current.status,
    }
    for name, value in body.items():
        if isinstance(value, dict) and isinstance(merged.get(name), dict):
            merged[name] = merged[name] | value
        else:
            merged[name] = value
    return merged


async def delete(
    db: Db, account_id: int, channel: str, key: str, *, now: int, wake: Wakeups
) -> str:
    """Archive under a new key (freeing the old one); held messages end NotSent 37."""
    current = await get(db, account_id, channel, key)
    archived = f"{current.definition_key}-deleted-{secrets.token_hex(4)}"
    await definitions.update(
        db,
        Definition(
            id=current.id,
            account_id=account_id,
            channel=channel,
            definition_key=archived,
            name=current.name,
            status="Deleted",
            body=current.body,
            created_at=current.created_at,
            modified_at=now,
        ),
    )
    if await end_held(db, current.id, vocabulary.NotSent.DEFINITION_DELETED, now=now):
        wake.dispatcher()  # their NotSent events
    return archived


async def queue_stats(
    db: Db, account_id: int, channel: str, key: str, *, now: int
) -> tuple[int, int]:
    current = await get(db, account_id, channel, key)
    count, oldest = await messages.held_stats(db, current.id)
    return count, 0 if oldest is None else max(0, (now - oldest) // 1000)


async def purge_queue(
    db: Db, account_id: int, channel: str, key: str, *, now: int, wake: Wakeups
) -> None:
    current = await get(db, account_id, channel, key)
    if current.status != "Inactive":
        raise Invalid(
            "MCMS_UTM_Runtime_InvalidOperation: Definition status must be inactive to delete queue",
            code=30001,
        )
    if await end_held(db, current.id, vocabulary.NotSent.QUEUE_CLEARED, now=now):
        wake.dispatcher()  # their NotSent events


async def expire_held(db: Db, *, now: int, queue_window_s: int, wake: Wakeups) -> int:
    """Messages held by an Inactive definition longer than the queue window end NotSent 139."""
    ended = await end_held(
        db,
        None,
        vocabulary.NotSent.TIMED_OUT_IN_QUEUE,
        now=now,
        older_than=now - queue_window_s * 1000,
    )
    if ended:
        wake.dispatcher()
    return ended


async def end_held(
    db: Db,
    definition_id: str | None,
    code: int,
    reason: str | None = None,
    *,
    now: int,
    older_than: int | None = None,
) -> int:
    """Held messages (of one definition, or any held too long) end NotSent with ``code`` (and
    its reason unless given)."""
    ended = 0
    while batch := await messages.held(db, definition_id=definition_id, older_than=older_than):
        for message in batch:
            await outcomes.record(db, message, outcomes.not_sent(message, code, reason), now=now)
        ended += len(batch)
    return ended


def to_wire(definition: Definition, request_id: str) -> dict[str, Any]:
    body = definition.body
    wire: dict[str, Any] = {
        "requestId": request_id,
        "name": definition.name,
        "definitionKey": definition.definition_key,
        "definitionId": definition.id,
        "description": body.get("description", ""),
        "status": definition.status,
        "createdDate": clock.sfmc_time(definition.created_at),
        "modifiedDate": clock.sfmc_time(definition.modified_at),
        "content": body["content"],
        "subscriptions": body["subscriptions"],
    }
    if definition.channel == "email":
        wire["classification"] = body["classification"]
        wire["options"] = body["options"]
    return wire


def summary(definition: Definition) -> dict[str, Any]:
    return {
        "definitionKey": definition.definition_key,
        "definitionId": definition.id,
        "name": definition.name,
        "status": definition.status,
        "createdDate": clock.sfmc_time(definition.created_at),
        "modifiedDate": clock.sfmc_time(definition.modified_at),
    }
