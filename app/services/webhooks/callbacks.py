"""ENS callbacks: register (with a liveness probe), verify, update, rotate keys, delete, enable.

The probe goes through the delivery client (a ``ports.Poster`` handed in at start), so it gets
the same SSRF guard as every webhook POST.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import secrets
from typing import Any

import orjson

from app import clock, ids
from app.errors import Conflict, Invalid, NotFound
from app.services.wakeups import Wakeups
from app.services.webhooks import keys as signing_keys
from app.services.webhooks import options as option_state
from app.services.webhooks.keys import KeyBox
from app.services.webhooks.ports import Poster, Reply
from app.settings import Settings
from app.storage import batches, callbacks, subscriptions
from app.storage.db import Db
from app.wire import vocabulary
from app.wire.callbacks import CallbackIn, CallbackOut, CallbackPatch, KeyRotated, Probed, VerifyIn
from app.wire.delivery import DeliveryOptions

Callback = callbacks.Callback
VERIFY_WINDOW_MS = 4 * 3600 * 1000
# CallbackPatch's names for the Callback's fields, where they differ.
_FIELDS = {"callback_name": "name"}


def not_found(callback_id: str) -> NotFound:
    return NotFound(
        f"MCMS_UWH_Runtime_ObjectNotFound: callbackId {callback_id} doesn't exist for this MID"
    )


def _bad(field: str, why: str) -> Invalid:
    return Invalid(f"{field} {why}", code=10001, field=field)


def _hash(verification_key: str) -> str:
    return hashlib.sha256(verification_key.encode()).hexdigest()


def status_of(callback: Callback) -> tuple[vocabulary.CallbackStatus, str]:
    """(status, statusReason) on the wire: unverified, verified, or disabled with its reason."""
    if callback.disabled_at is not None:
        return vocabulary.CallbackStatus.DISABLED, callback.disabled_reason or ""
    if callback.verified:
        return vocabulary.CallbackStatus.VERIFIED, "none"
    return vocabulary.CallbackStatus.UNVERIFIED, "awaiting ens-verify"


def to_wire(callback: Callback) -> dict[str, Any]:
    """As ``CallbackOut`` declares it: never the signing key."""
    status, reason = status_of(callback)
    return CallbackOut(
        callback_id=callback.id, callback_name=callback.name, url=callback.url,
        max_batch_size=callback.max_batch_size, status=status, status_reason=reason,
        **DeliveryOptions.load(callback.options).wire(),
        **_public_key(callback.options),
    ).model_dump(exclude_unset=True)  # fmt: skip


def _public_key(document: dict[str, Any]) -> dict[str, Any]:
    found = option_state.public_key(document)
    return {} if found is None else {"public_key": found}


class Manager:
    """Callback management for one running service (database, key box, delivery client)."""

    def __init__(
        self,
        db: Db,
        keys: KeyBox,
        poster: Poster,
        settings: Settings,
        now: clock.Clock,
        *,
        wake: Wakeups,
    ) -> None:
        self._db = db
        self._wake = wake
        self._keys = keys
        self._poster = poster
        self._settings = settings
        self._now = now

    async def get(self, account_id: int, callback_id: str) -> Callback:
        found = await callbacks.get(self._db, account_id, callback_id)
        if found is None:
            raise not_found(callback_id)
        return found

    async def list_all(self, account_id: int) -> list[Callback]:
        return await callbacks.list_all(self._db, account_id)

    async def create(self, account_id: int, items: list[CallbackIn]) -> list[dict[str, Any]]:
        """Register, then probe each; 201 only when every probe got a 2xx."""
        for item in items:
            refusal = await self._poster.refusal(item.url)
            if refusal is not None:
                raise _bad("url", f"is not allowed: {refusal}")
            if await callbacks.by_url(self._db, account_id, item.url) is not None:
                raise Conflict(f"A callback for {item.url} already exists", code=30004)
        self._check_room(await callbacks.count_for_account(self._db, account_id), len(items))
        created, failed = [], []
        for item in items:
            key = signing_keys.new_key()
            now = self._now()
            callback = Callback(
                id=ids.uuid4(),
                account_id=account_id,
                name=item.callback_name,
                url=item.url,
                max_batch_size=item.max_batch_size,
                verified=False,
                signature_key=self._keys.seal(key),
                options=option_state.with_state(
                    option_state.stored(DeliveryOptions.of(item), self._keys), self._keys
                ),
                created_at=now,
                updated_at=now,
            )
            async with self._db.write():
                await subscriptions.bump_version(self._db, account_id)  # takes turns on PG
                self._check_room(await callbacks.count_for_account(self._db, account_id), 1)
                await callbacks.insert(self._db, callback)
            reply = await self._probe(callback)
            created.append(to_wire(callback) | {"signatureKey": key})
            if not reply.ok:
                failed.append(_probe_failure(callback, reply))
        if failed:
            error = Invalid(" ".join(failed), code=10001)
            error.details = {"callbacks": created}  # the keys are shown here, once, too
            raise error
        return created

    def _check_room(self, existing: int, adding: int) -> None:
        limit = self._settings.callbacks_per_account
        if existing + adding > limit:
            raise Invalid(
                f"An account may have at most {limit} callbacks"
                f" (TIDINGS_CALLBACKS_PER_ACCOUNT); it has {existing}: delete one first",
                code=10001,
            )

    async def _probe(self, callback: Callback) -> Reply:
        """POST the unsigned {callbackId, verificationKey}; the key is good for 4 hours, once."""
        verification_key = secrets.token_urlsafe(24)
        now = self._now()
        async with self._db.write():
            await callbacks.save(
                self._db,
                dataclasses.replace(
                    callback,
                    verification_hash=_hash(verification_key),
                    verification_expires_at=now + VERIFY_WINDOW_MS,
                    updated_at=now,
                ),
            )
        body = orjson.dumps({"callbackId": callback.id, "verificationKey": verification_key})
        return await self._poster.post(
            callback.url, body, {}, timeout_s=self._settings.probe_timeout_s
        )

    async def probe(self, account_id: int, callback_id: str) -> Probed:
        """Extension: send a fresh verification probe (a failed registration is not a dead end)."""
        callback = await self.get(account_id, callback_id)
        reply = await self._probe(callback)
        if not reply.ok:
            raise Invalid(_probe_failure(callback, reply), code=10001)
        return Probed(callback_id=callback.id, probed=True, status_code=reply.status or 0)

    async def verify(self, account_id: int, body: VerifyIn) -> dict[str, Any]:
        callback_id, given = body.callback_id, body.verification_key
        callback = await self.get(account_id, callback_id)
        stored = callback.verification_hash
        if stored is None or not hmac.compare_digest(stored, _hash(given)):
            raise NotFound("The callbackId and verificationKey do not match (a key works once)")
        now = self._now()
        if (callback.verification_expires_at or 0) < now:
            raise Invalid(
                "The verificationKey expired (4 hours); send a new probe with"
                f" POST /platform/v1/ens-callbacks/{callback.id}/probe",
                code=10001,
            )
        verified = dataclasses.replace(
            callback, verified=True, verification_hash=None, verification_expires_at=None,
            updated_at=now,
        )  # fmt: skip
        async with self._db.write():
            await callbacks.save(self._db, verified)
        return to_wire(verified)

    async def update(self, account_id: int, items: list[CallbackPatch]) -> list[dict[str, Any]]:
        """PUT: name, batch size and the extensions; the URL cannot change (as in SFMC)."""
        changed = []
        for item in items:
            current = await self.get(account_id, item.callback_id)
            if "url" in item.model_fields_set and item.url != current.url:
                raise _bad("url", "cannot be changed; register a new callback")
            patched = _changed(current, item.changes(), self._keys, now=self._now())
            options = option_state.with_state(patched.options, self._keys)
            changed.append(dataclasses.replace(patched, options=options))
        async with self._db.write():
            for callback in changed:
                await callbacks.save(self._db, callback)
        return [to_wire(callback) for callback in changed]

    async def delete(self, account_id: int, callback_id: str) -> None:
        callback = await self.get(account_id, callback_id)
        async with self._db.write():
            # Held until commit: a subscription being added to it waits, then finds it gone.
            if await callbacks.lock(self._db, account_id, callback.id, exclusive=True) is None:
                raise not_found(callback_id)
            if await subscriptions.for_callback(self._db, callback.id):
                raise Conflict("The callback has subscriptions; delete them first", code=30004)
            await callbacks.delete(self._db, callback.id)

    async def regenerate(self, account_id: int, callback_id: str) -> KeyRotated:
        """A new key, shown once; the old one keeps signing too for the grace period."""
        current = await self.get(account_id, callback_id)
        key, now = signing_keys.new_key(), self._now()
        grace_ms = self._settings.webhook_key_grace_s * 1000
        rotated = dataclasses.replace(
            current,
            signature_key=self._keys.seal(key),
            previous_key=current.signature_key if grace_ms > 0 else None,
            previous_key_until=now + grace_ms if grace_ms > 0 else None,
            options=option_state.rotated(current.options, self._keys, keep_previous=grace_ms > 0),
            updated_at=now,
        )
        async with self._db.write():
            await callbacks.save(self._db, rotated)
        return KeyRotated(
            callback_name=rotated.name,
            callback_id=rotated.id,
            url=rotated.url,
            signature_key=key,
            previous_key_valid_until=clock.iso_utc(now + grace_ms) if grace_ms > 0 else None,
            **_public_key(rotated.options),
        )

    async def signing_key(self, account_id: int, callback_id: str) -> dict[str, Any]:
        """The current signing key (for the portal's ViewEndpointSecret), as ``SigningKey``."""
        callback = await self.get(account_id, callback_id)
        return {"callbackId": callback.id, "signatureKey": self._keys.open(callback.signature_key)}

    async def published_keys(self, account_id: int) -> list[dict[str, Any]]:
        """Every ed25519 public key the account's callbacks sign with (or did, until ``exp``)."""
        now = self._now()
        found = await callbacks.list_all(self._db, account_id)
        return [key for callback in found for key in option_state.published(callback, now_ms=now)]

    async def enable(self, account_id: int, callback_id: str) -> dict[str, Any]:
        """Re-enable a disabled callback: its waiting events go out, in order, at once."""
        current = await self.get(account_id, callback_id)
        now = self._now()
        enabled = dataclasses.replace(
            current, disabled_at=None, disabled_reason=None, failing_since=None, updated_at=now
        )
        async with self._db.write():
            await callbacks.save(self._db, enabled)
            await batches.retry_now(self._db, current.id, now=now)
        self._wake.dispatcher()  # its waiting events go out at once
        return to_wire(enabled)


def _changed(current: Callback, changes: dict[str, Any], box: KeyBox, *, now: int) -> Callback:
    """``current`` with a patch's changes: its options' into the options document."""
    option_names = DeliveryOptions.model_fields.keys() & changes
    options = DeliveryOptions.load(current.options).model_copy(
        update={name: changes.pop(name) for name in option_names}
    )
    fields = {_FIELDS.get(name, name): value for name, value in changes.items()}
    merged = current.options | option_state.stored(options, box, option_names)
    return dataclasses.replace(current, **fields, options=merged, updated_at=now)


def _probe_failure(callback: Callback, reply: Reply) -> str:
    answer = f"HTTP {reply.status}" if reply.status else (reply.error_class or "no answer")
    return (
        f"MCMS_UWH_Runtime_GeneralFailure_probeCallbackLiveness: CallbackId is {callback.id}."
        f" Could not verify callback url {callback.url}: it must answer the probe with a 2xx"
        f" status; it answered {answer}. The callback is kept, unverified: fix the receiver and"
        f" POST /platform/v1/ens-callbacks/{callback.id}/probe to try again."
    )
