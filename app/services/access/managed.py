"""An account's credentials managed through the API by one of its own clients.

Creation goes through ``credentials`` (secrets shown once, stored hashed). Nobody escalates: a
caller grants only scopes it holds itself (``scopes.not_held``). Nobody locks themselves out by
one click: a client cannot revoke itself.
"""

from __future__ import annotations

from typing import Any

from app import clock
from app.errors import Conflict, Forbidden, NotFound
from app.services.access import credentials
from app.services.access import scopes as scope_rules
from app.services.access.auth import Principal
from app.storage import api_tokens, clients
from app.storage.db import Db
from app.wire.credentials import ApiTokenIn, ClientIn


def _when(at: int | None) -> str | None:
    return None if at is None else clock.iso_utc(at)


def _granted(grant: clients.Client | api_tokens.ApiToken) -> dict[str, Any]:
    """As ``GrantOut`` declares it: never a secret or its hash."""
    return {
        "name": grant.name, "scopes": grant.scopes.split(),
        "createdAt": clock.iso_utc(grant.created_at), "revokedAt": _when(grant.revoked_at),
    }  # fmt: skip


def client_to_wire(client: clients.Client) -> dict[str, Any]:
    return {"clientId": client.client_id} | _granted(client)


def token_to_wire(token: api_tokens.ApiToken) -> dict[str, Any]:
    return {"tokenId": token.id} | _granted(token)


def _grantable(who: Principal, wanted: list[str], *, allowed: tuple[str, ...]) -> str:
    """The scopes as stored, once each is known and held by the caller (else 400 / 403)."""
    parsed = scope_rules.parse(" ".join(wanted), allowed=allowed)
    refused = scope_rules.not_held(parsed, who.scopes)
    if refused:
        raise Forbidden(f"A credential may grant only scopes it holds; not {' '.join(refused)}")
    return scope_rules.join(parsed)


def _revocable(who: Principal, target: clients.Client | api_tokens.ApiToken) -> None:
    """As granting: the caller must hold every scope the credential it revokes holds (403)."""
    refused = scope_rules.not_held(tuple(target.scopes.split()), who.scopes)
    if refused:
        raise Forbidden(
            "A credential may revoke only credentials whose scopes it holds; not "
            + " ".join(refused)
        )


async def list_clients(db: Db, who: Principal) -> dict[str, Any]:
    found = await clients.list_all(db, account_id=who.account_id)
    return {"items": [client_to_wire(c) for c in found]}


async def create_client(db: Db, who: Principal, body: ClientIn, *, now: int) -> dict[str, Any]:
    scopes = _grantable(who, body.scopes, allowed=scope_rules.CLIENT_SCOPES)
    issued = await credentials.create_client(
        db, account_id=who.account_id, name=body.name, scopes=scopes, now=now
    )
    return client_to_wire(issued.client) | {"clientSecret": issued.client_secret}


async def revoke_client(db: Db, who: Principal, client_id: str, *, now: int) -> None:
    found = await clients.get(db, client_id)
    if found is None or found.account_id != who.account_id:
        raise NotFound(f"No client {client_id} in this account")
    if client_id == who.client_id:
        raise Conflict("A client cannot revoke itself: revoke it with another client", code=30004)
    _revocable(who, found)
    await credentials.revoke_client(db, client_id, now=now)


async def list_tokens(db: Db, who: Principal) -> dict[str, Any]:
    found = await api_tokens.list_all(db, account_id=who.account_id)
    return {"items": [token_to_wire(t) for t in found]}


async def create_token(db: Db, who: Principal, body: ApiTokenIn, *, now: int) -> dict[str, Any]:
    scopes = _grantable(who, body.scopes, allowed=scope_rules.TOKEN_SCOPES)
    issued = await credentials.create_api_token(
        db, account_id=who.account_id, name=body.name, scopes=scopes, now=now
    )
    return token_to_wire(issued.token) | {"token": issued.secret}


async def revoke_token(db: Db, who: Principal, token_id: str, *, now: int) -> None:
    found = {t.id: t for t in await api_tokens.list_all(db, account_id=who.account_id)}
    if token_id not in found:
        raise NotFound(f"No API token {token_id} in this account")
    if token_id == who.token_id:
        raise Conflict("An API token cannot revoke itself", code=30004)
    _revocable(who, found[token_id])
    await credentials.revoke_api_token(db, token_id, now=now)
