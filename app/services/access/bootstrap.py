"""Credentials for unattended deploys and first runs, made sure of at every start."""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable

from app.errors import Invalid
from app.services.access import credentials
from app.services.access import scopes as scope_rules
from app.settings import Settings
from app.storage import accounts, api_tokens, clients
from app.storage.db import Db

Say = Callable[[str], None]


async def run(db: Db, settings: Settings, *, now: int, say: Say = print) -> None:
    """Apply TIDINGS_BOOTSTRAP_*; with none set and no client at all, create one and say so."""
    if settings.bootstrap_client_id or settings.bootstrap_client_secret:
        await _ensure_client(db, settings, now)
    if settings.bootstrap_api_token:
        await _ensure_api_token(db, settings, now)
    if not settings.bootstrap_client_id and await clients.count(db) == 0:
        await _first_client(db, settings, say, now)


async def _ensure_account(db: Db, account_id: int | None, now: int) -> int:
    if account_id is not None:
        if await accounts.get(db, account_id) is None:
            await credentials.create_account(db, name="bootstrap", account_id=account_id, now=now)
        return account_id
    existing = await accounts.list_all(db)
    if existing:
        return existing[0].id
    return (await credentials.create_account(db, name="default", now=now)).id


async def _ensure_client(db: Db, settings: Settings, now: int) -> None:
    client_id, secret = settings.bootstrap_client_id, settings.bootstrap_client_secret
    if not client_id or not secret:
        raise Invalid("TIDINGS_BOOTSTRAP_CLIENT_ID and TIDINGS_BOOTSTRAP_CLIENT_SECRET go together")
    existing = await clients.get(db, client_id)
    if existing is None:
        account_id = await _ensure_account(db, settings.bootstrap_account_id, now)
        await credentials.create_client(
            db,
            account_id=account_id,
            name="bootstrap",
            client_id=client_id,
            client_secret=secret,
            now=now,
        )
        return
    await credentials.reset_client(db, client_id, client_secret=secret)


async def _ensure_api_token(db: Db, settings: Settings, now: int) -> None:
    existing = await api_tokens.get_by_hash(
        db, credentials.hash_secret(settings.bootstrap_api_token)
    )
    if existing is not None:
        await api_tokens.restore(db, existing.id, scopes=scope_rules.join(scope_rules.TOKEN_SCOPES))
        return
    account_id = await _ensure_account(db, settings.bootstrap_account_id, now)
    await credentials.create_api_token(
        db, account_id=account_id, name="bootstrap", secret=settings.bootstrap_api_token, now=now
    )


async def _first_client(db: Db, settings: Settings, say: Say, now: int) -> None:
    account_id = await _ensure_account(db, settings.bootstrap_account_id, now)
    issued = await credentials.create_client(db, account_id=account_id, name="first-run", now=now)
    say(
        "Tidings created a first API client (shown once; store the secret now):\n"
        f"  account_id:    {account_id}\n"
        f"  client_id:     {issued.client.client_id}\n"
        f"  client_secret: {issued.client_secret}\n"
        "Get a token (paste as is):\n"
        f"  {token_command(settings.base_url, issued.client.client_id, issued.client_secret)}\n"
        f"Or sign in to the console with it: {settings.base_url}console"
    )


def token_command(base_url: str, client_id: str, client_secret: str) -> str:
    """A curl line that gets a token for this client, quoted for a POSIX shell."""
    body = {
        "grant_type": "client_credentials",
        "client_id": client_id,
        "client_secret": client_secret,
    }
    return shlex.join(
        [
            "curl", "-s", f"{base_url}v2/token",
            "-H", "Content-Type: application/json",
            "-d", json.dumps(body, separators=(",", ":")),
        ]
    )  # fmt: skip
