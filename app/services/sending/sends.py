"""Accepting SFMC sends: validate, apply messageKey idempotency, store durably, answer 202.

Nothing is delivered here: the request path only writes; the sender does the rest.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import secrets
import uuid
from typing import Any

import orjson

from app.errors import Invalid
from app.services.wakeups import Wakeups
from app.storage import definitions, messages
from app.storage.db import Db
from app.wire import validate

MAX_RECIPIENTS = 2000
MAX_KEY_LENGTH = 100
_TOP_FIELDS = {"definitionKey", "recipient", "recipients", "attributes", "subscriptions", "content"}
_RECIPIENT_FIELDS = {"contactKey", "to", "messageKey", "attributes"}


@dataclasses.dataclass(frozen=True)
class Accepted:
    request_id: str
    responses: list[dict[str, Any]]
    created: int  # messages stored by this request (0 when all were replays or failures)

    @property
    def failures(self) -> int:
        return sum(1 for entry in self.responses if "errorcode" in entry)

    def to_wire(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "requestId": self.request_id,
            "errorcode": 0,
            "responses": self.responses,
        }
        if self.failures:
            body["errorcode"] = 109001
            body["message"] = (
                f"MCMS_UTM_ResponsesHasErrors: {self.failures} subscribers failed to queue"
                f" out of {len(self.responses)}"
            )
        return body


def _fail(code: int, name: str, detail: str) -> Invalid:
    return Invalid(f"MCMS_UTM_Validation_{name}: {detail}", code=code)


def new_message_key() -> str:
    """22 base64url characters, like the keys SFMC generates."""
    return base64.urlsafe_b64encode(secrets.token_bytes(16)).decode().rstrip("=")


async def accept(
    db: Db,
    *,
    account_id: int,
    channel: str,
    body: Any,
    path_key: str | None,
    now: int,
    key_window_s: int,
    wake: Wakeups,
) -> Accepted:
    """Store one message per valid recipient, in one transaction; see ``Accepted``."""
    if not isinstance(body, dict):
        raise Invalid("The request body must be a JSON object", code=10001)
    unknown = sorted(set(body) - _TOP_FIELDS)
    if unknown:
        raise _fail(109122, "UnknownFieldName", f"unknown field(s) {', '.join(unknown)}")
    definition = await _definition(db, account_id, channel, body.get("definitionKey"))
    recipients = _recipients(body, path_key)
    shared = body.get("attributes") or {}
    if not validate.is_flat_attributes(shared):
        raise Invalid("attributes must be a flat object of names to values", code=10001)
    overrides = _overrides(channel, body)
    request_id = str(uuid.uuid4())
    responses: list[dict[str, Any]] = []
    fresh: list[messages.Message] = []
    seen: set[str] = set()
    for raw in recipients:
        entry, message = _one(
            raw, channel, definition, shared, overrides, request_id, account_id, now
        )
        key = entry["messageKey"].lower() if isinstance(entry.get("messageKey"), str) else None
        if message is not None and key in seen:
            entry, message = (
                _error(
                    entry, 109110, "DuplicateMessageKey", "messageKey is repeated in this request"
                ),
                None,
            )
        if key is not None:
            seen.add(key)
        responses.append(entry)
        if message is not None:
            fresh.append(message)
    created = await _store(db, account_id, channel, fresh, responses, now, key_window_s)
    if created:
        wake.sender()
    return Accepted(request_id=request_id, responses=responses, created=created)


async def _definition(db: Db, account_id: int, channel: str, key: Any) -> definitions.Definition:
    if not isinstance(key, str) or not key:
        raise _fail(109107, "MissingRequiredField_definitionKey", "definitionKey is required")
    found = await definitions.get_by_key(db, account_id, channel, key)
    if found is None or found.status == "Deleted":
        raise _fail(109111, "InvalidValue_definitionKey", f"no {channel} definition {key!r}")
    return found


def _recipients(body: dict[str, Any], path_key: str | None) -> list[Any]:
    single, batch = body.get("recipient"), body.get("recipients")
    if single is not None and batch is not None:
        raise Invalid("Use recipient or recipients, not both", code=10005)
    if path_key is not None:
        if single is None:
            raise _fail(109102, "NoSubscribers", "recipient is required")
        if len(path_key) > MAX_KEY_LENGTH:
            raise _fail(109108, "InvalidValue_messageKey", "messageKey is over 100 characters")
        return [single | {"messageKey": path_key} if isinstance(single, dict) else single]
    if batch is None and single is not None:
        batch = [single]
    if not isinstance(batch, list) or not batch:
        raise _fail(109102, "NoSubscribers", "recipients must be a non-empty array")
    if len(batch) > MAX_RECIPIENTS:
        raise _fail(109101, "TooManySubscribers", f"at most {MAX_RECIPIENTS} recipients")
    return batch


def _overrides(channel: str, body: dict[str, Any]) -> dict[str, Any]:
    content = body.get("content")
    if channel != "sms" or content is None:
        return {}
    if not isinstance(content, dict) or not isinstance(content.get("message", ""), str):
        raise Invalid("content.message must be a string", code=10001)
    return {"message": content["message"]} if content.get("message") else {}


def _error(entry: dict[str, Any], code: int, name: str, detail: str) -> dict[str, Any]:
    return entry | {"errorcode": code, "message": f"MCMS_UTM_Validation_{name}: {detail}"}


def _one(
    raw: Any,
    channel: str,
    definition: definitions.Definition,
    shared: dict[str, Any],
    overrides: dict[str, Any],
    request_id: str,
    account_id: int,
    now: int,
) -> tuple[dict[str, Any], messages.Message | None]:
    if not isinstance(raw, dict):
        return _error({}, 10001, "InvalidValue_recipient", "each recipient is an object"), None
    key = raw.get("messageKey")
    entry: dict[str, Any] = {"messageKey": key if key is not None else new_message_key()}
    try:
        to = _recipient(raw, channel, definition)
    except _Refused as refused:
        return _error(entry, refused.code, refused.name, refused.detail), None
    attributes = raw.get("attributes") or {}
    merged = shared | attributes
    payload = {
        "d": definition.id,
        "c": raw.get("contactKey") or to,
        "t": to,
        "a": merged,
        "o": overrides,
    }
    message = messages.Message(
        id=str(uuid.uuid4()),
        account_id=account_id,
        channel=channel,
        message_key=entry["messageKey"],
        request_id=request_id,
        definition_id=definition.id,
        definition_key=definition.definition_key,
        contact_key=str(raw.get("contactKey") or to),
        recipient=str(to),
        attributes=merged,
        overrides=overrides,
        payload_hash=hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest(),
        status=messages.QUEUED if definition.is_active else messages.HELD,
        created_at=now,
        updated_at=now,
        next_attempt_at=now,
    )
    return entry, message


@dataclasses.dataclass(frozen=True)
class _Refused(Exception):
    """One recipient's 109xxx entry in a 202's ``responses``."""

    code: int
    name: str
    detail: str


def _recipient(raw: dict[str, Any], channel: str, definition: definitions.Definition) -> str:
    """The recipient's address in its normal form, or _Refused with the first problem."""
    unknown = sorted(set(raw) - _RECIPIENT_FIELDS)
    if unknown:
        raise _Refused(
            109122, "UnknownFieldName", f"unknown recipient field(s) {', '.join(unknown)}"
        )
    key = raw.get("messageKey")
    if key is not None and (not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH):
        raise _Refused(109108, "InvalidValue_messageKey", "messageKey must be 1-100 characters")
    contact = raw.get("contactKey")
    if contact is not None and (not isinstance(contact, str) or len(contact) > 254):
        raise _Refused(109109, "InvalidValue_subscriberKey", "contactKey must be a string")
    if channel == "email" and not contact:
        raise _Refused(109105, "MissingRequiredField_subscriberKey", "contactKey is required")
    if not raw.get("to"):
        raise _Refused(109106, "MissingRequiredField_to", "Invalid subscriber: to is required")
    to = _to(raw["to"], channel, definition)
    if not validate.is_flat_attributes(raw.get("attributes") or {}):
        raise _Refused(10001, "InvalidValue_attributes", "attributes must be a flat object")
    return to


def _to(value: Any, channel: str, definition: definitions.Definition) -> str:
    try:
        if channel == "email":
            return validate.email_address(value)
        region = (definition.body.get("subscriptions") or {}).get("countryCode")
        return validate.phone_number(value, region=region)
    except Invalid as exc:
        if channel == "email":
            refused = _Refused(
                109124, "email_does_not_pass_validation", "to is not a valid email address"
            )
        else:
            refused = _Refused(
                109121, "InvalidValue_to", "to must be a mobile number with country code"
            )
        raise refused from exc


async def _store(
    db: Db,
    account_id: int,
    channel: str,
    fresh: list[messages.Message],
    responses: list[dict[str, Any]],
    now: int,
    key_window_s: int,
) -> int:
    """Insert new messages; replays of the same payload answer as before, others get 109110."""
    if not fresh:
        return 0

    async def store() -> int:
        existing = await messages.by_keys(db, account_id, channel, [m.message_key for m in fresh])
        window_start = now - key_window_s * 1000
        stale = [m.id for m in existing.values() if m.created_at < window_start]
        await messages.retire_keys(db, stale)
        keep: list[messages.Message] = []
        by_key = {
            entry["messageKey"].lower(): i
            for i, entry in enumerate(responses)
            if "errorcode" not in entry
        }
        for message in fresh:
            earlier = existing.get(message.message_key.lower())
            if earlier is None or earlier.created_at < window_start:
                keep.append(message)
            elif earlier.payload_hash != message.payload_hash:
                index = by_key[message.message_key.lower()]
                responses[index] = _error(
                    responses[index],
                    109110,
                    "DuplicateMessageKey",
                    "messageKey was used in the last 72 hours",
                )
        await messages.insert_many(db, keep)
        return len(keep)

    # Group commit: concurrent sends share one transaction; each is answered after it commits.
    return await db.grouped(store)
