"""Accounts, API clients and API tokens: creation with secrets shown once, listing, revocation."""

from __future__ import annotations

import dataclasses
import hashlib
import secrets

from app.errors import Conflict, Invalid, NotFound
from app.services.access import scopes as scope_rules
from app.settings import MIN_SECRET_LENGTH
from app.storage import accounts, api_tokens, clients
from app.storage.db import Db

# Marks the tokens Tidings generates; lookup is by the hash of the whole value, so a configured
# token without it (one kept from Broadcast) works the same.
API_TOKEN_PREFIX = "tdg_"  # noqa: S105 - a public prefix, not a secret


def hash_secret(secret: str) -> str:
    """SHA-256 of a secret.

    Every secret Tidings stores the hash of carries at least 192 bits of entropy (generated
    here, or refused below ``MIN_SECRET_LENGTH``), so a slow password KDF adds cost without
    adding safety; this is the scheme GitHub and Stripe use for API keys.
    """
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


@dataclasses.dataclass(frozen=True)
class IssuedClient:
    client: clients.Client
    client_secret: str  # shown once


@dataclasses.dataclass(frozen=True)
class IssuedToken:
    token: api_tokens.ApiToken
    secret: str  # the bearer token itself, shown once


async def create_account(
    db: Db, *, name: str, now: int, account_id: int | None = None
) -> accounts.Account:
    if not name.strip():
        raise Invalid("account name must not be blank")
    wanted = account_id if account_id is not None else await accounts.next_id(db)
    if wanted <= 0:
        raise Invalid("account id must be a positive integer")
    if await accounts.get(db, wanted) is not None:
        raise Conflict(f"account {wanted} exists already")
    account = accounts.Account(id=wanted, name=name.strip(), created_at=now)
    await accounts.insert(db, account)
    return account


async def create_client(
    db: Db,
    *,
    account_id: int,
    name: str,
    now: int,
    scopes: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
) -> IssuedClient:
    """A new client; every SFMC scope unless ``scopes`` narrows it."""
    await _require_account(db, account_id)
    granted = scope_rules.CLIENT_SCOPES if scopes is None else _client_scopes(scopes)
    secret = client_secret or new_secret()
    _check_secret_strength(secret)
    client = clients.Client(
        client_id=client_id or secrets.token_hex(12),  # 24 characters, like SFMC client ids
        account_id=account_id,
        name=name,
        secret_hash=hash_secret(secret),
        scopes=scope_rules.join(granted),
        created_at=now,
    )
    if await clients.get(db, client.client_id) is not None:
        raise Conflict(f"client {client.client_id} exists already")
    await clients.insert(db, client)
    return IssuedClient(client=client, client_secret=secret)


async def create_api_token(
    db: Db,
    *,
    account_id: int,
    name: str,
    now: int,
    scopes: str | None = None,
    secret: str | None = None,
) -> IssuedToken:
    """A new long-lived API token; both transactional scopes unless ``scopes`` narrows it."""
    await _require_account(db, account_id)
    granted = (
        scope_rules.TOKEN_SCOPES
        if scopes is None
        else scope_rules.parse(scopes, allowed=scope_rules.TOKEN_SCOPES)
    )
    value = secret or API_TOKEN_PREFIX + new_secret()
    _check_secret_strength(value)
    token = api_tokens.ApiToken(
        id="tok_" + secrets.token_hex(6),
        account_id=account_id,
        name=name,
        token_hash=hash_secret(value),
        scopes=scope_rules.join(granted),
        created_at=now,
    )
    await api_tokens.insert(db, token)
    return IssuedToken(token=token, secret=value)


async def reset_client(db: Db, client_id: str, *, client_secret: str) -> None:
    """An existing client gets this secret and every SFMC scope back, un-revoked."""
    _check_secret_strength(client_secret)
    await clients.update_grant(
        db,
        client_id,
        secret_hash=hash_secret(client_secret),
        scopes=scope_rules.join(scope_rules.CLIENT_SCOPES),
    )


async def revoke_client(db: Db, client_id: str, *, now: int) -> None:
    if not await clients.revoke(db, client_id, at=now):
        raise NotFound(f"no client {client_id}")


async def revoke_api_token(db: Db, token_id: str, *, now: int) -> None:
    if not await api_tokens.revoke(db, token_id, at=now):
        raise NotFound(f"no API token {token_id}")


def _client_scopes(text: str) -> tuple[str, ...]:
    return scope_rules.parse(text, allowed=scope_rules.CLIENT_SCOPES)


def _check_secret_strength(secret: str) -> None:
    if len(secret) < MIN_SECRET_LENGTH:
        raise Invalid(
            f"secrets must be at least {MIN_SECRET_LENGTH} characters"
            " (they are stored as a fast hash, so they must be random and long)"
        )


async def _require_account(db: Db, account_id: int) -> None:
    if await accounts.get(db, account_id) is None:
        raise NotFound(f"no account {account_id}")
