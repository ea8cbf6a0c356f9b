"""The command line: serve, migrate, and accounts / clients / tokens management."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import shlex
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import orjson

from app import clock, connections, logs
from app.errors import ConfigError, TidingsError
from app.services.access import credentials
from app.settings import Settings
from app.storage import accounts, api_tokens, clients, migrations
from app.storage.db import Db

Command = Callable[[Db, argparse.Namespace], Awaitable[Any]]


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        if args.command == "serve":
            return _serve(settings, args)
        code = asyncio.run(_with_db(settings, args))
        sys.stdout.flush()  # here, not at exit, so that a closed pipe is seen below
        return code
    except BrokenPipeError:
        return _stdout_closed()
    except (TidingsError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _stdout_closed() -> int:
    """The reader went away (``… | head``): stop quietly, as a program killed by SIGPIPE would.

    What is still buffered goes to /dev/null, so the interpreter's last flush cannot fail too.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 128 + signal.SIGPIPE


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from app.main import create_app

    settings = settings.replace(host=args.host, port=args.port or settings.port)
    limits = connections.limits_for(settings)
    uvicorn.run(
        # First-run credentials go to stdout once, for the operator, never into the log.
        create_app(settings),
        host=settings.host,
        port=settings.port,
        http=connections.protocol(limits),
        ws="none",  # no WebSocket routes: an Upgrade is answered as plain HTTP
        timeout_keep_alive=settings.keep_alive_s,
        log_level=settings.log_level,
        log_config=logs.config(settings.log_level, settings.log_format),
        access_log=False,  # tidings.access logs each request once, without its query string
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )
    return 0


async def _with_db(settings: Settings, args: argparse.Namespace) -> int:
    db = Db(settings.database_url, busy_timeout_s=settings.db_busy_timeout_s)
    await db.connect()
    try:
        applied = await migrations.apply(db)
        if args.command == "migrate":
            _say_migrated(applied, args.json)
            return 0
        result = await args.run(db, args)
        if getattr(args, "shell", None):
            _emit_shell(result, args.shell)
        else:
            _emit(result, args.json)
        return 0
    finally:
        await db.disconnect()


def _say_migrated(applied: list[migrations.Migration], as_json: bool) -> None:
    if as_json:
        print(orjson.dumps({"applied": [m.version for m in applied]}).decode())
    elif applied:
        for migration in applied:
            print(f"applied {migration.version:04d}_{migration.name}")
    else:
        print("schema is up to date")


async def _account_for(db: Db, given: int | None) -> int:
    """The --account value, or the only account when there is exactly one."""
    if given is not None:
        return given
    known = await accounts.list_all(db)
    if len(known) != 1:
        raise ConfigError("--account is required when there is not exactly one account")
    return known[0].id


async def _accounts_create(db: Db, args: argparse.Namespace) -> Any:
    return await credentials.create_account(
        db, name=args.name, account_id=args.id, now=clock.now_ms()
    )


async def _accounts_list(db: Db, args: argparse.Namespace) -> Any:
    return await accounts.list_all(db)


async def _clients_create(db: Db, args: argparse.Namespace) -> Any:
    issued = await credentials.create_client(
        db,
        account_id=await _account_for(db, args.account),
        name=args.name,
        scopes=args.scopes,
        now=clock.now_ms(),
    )
    return _public(issued.client) | {"client_secret": issued.client_secret}


async def _clients_list(db: Db, args: argparse.Namespace) -> Any:
    return [_public(client) for client in await clients.list_all(db, account_id=args.account)]


async def _clients_revoke(db: Db, args: argparse.Namespace) -> Any:
    await credentials.revoke_client(db, args.client_id, now=clock.now_ms())
    return {"revoked": args.client_id}


async def _tokens_create(db: Db, args: argparse.Namespace) -> Any:
    issued = await credentials.create_api_token(
        db,
        account_id=await _account_for(db, args.account),
        name=args.name,
        scopes=args.scopes,
        now=clock.now_ms(),
    )
    return _public(issued.token) | {"token": issued.secret}


async def _tokens_list(db: Db, args: argparse.Namespace) -> Any:
    return [_public(token) for token in await api_tokens.list_all(db, account_id=args.account)]


async def _tokens_revoke(db: Db, args: argparse.Namespace) -> Any:
    await credentials.revoke_api_token(db, args.token_id, now=clock.now_ms())
    return {"revoked": args.token_id}


def _public(record: Any) -> dict[str, Any]:
    """A stored record without its hash, with readable times."""
    fields = dataclasses.asdict(record)
    fields.pop("secret_hash", None)
    fields.pop("token_hash", None)
    for name in ("created_at", "revoked_at"):
        if fields.get(name) is not None:
            fields[name] = clock.iso_utc(fields[name])
    return fields


def _emit(result: Any, as_json: bool) -> None:
    rows = result if isinstance(result, list) else [result]
    plain = [r if isinstance(r, dict) else _public(r) for r in rows]
    if as_json:
        print(orjson.dumps(plain if isinstance(result, list) else plain[0]).decode())
        return
    for row in plain:
        print("  ".join(f"{key}={value}" for key, value in row.items() if value is not None))
    secret = next(
        (row.get(k) for row in plain for k in ("client_secret", "token") if k in row), None
    )
    if secret is not None:
        print("The secret above is shown once; Tidings keeps only its hash.")


def _emit_shell(result: dict[str, Any], names: dict[str, str]) -> None:
    """``NAME=value`` lines, quoted, for ``eval "$(…)"`` in a shell."""
    for variable, field in names.items():
        print(f"{variable}={shlex.quote(str(result[field]))}")


def _shell_option(command: argparse.ArgumentParser, names: dict[str, str]) -> None:
    command.add_argument(
        "--shell",
        action="store_const",
        const=names,
        help=f"print {' and '.join(names)} as shell assignments, for eval",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tidings", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the HTTP service (applies migrations first)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=None, help="default: $PORT, else 8000")
    migrate = commands.add_parser("migrate", help="apply pending database migrations")
    migrate.add_argument("--json", action="store_true")

    def group(name: str, help_text: str) -> argparse._SubParsersAction[Any]:
        return commands.add_parser(name, help=help_text).add_subparsers(
            dest="action", required=True
        )

    def leaf(actions: Any, name: str, run: Command, help_text: str) -> argparse.ArgumentParser:
        command: argparse.ArgumentParser = actions.add_parser(name, help=help_text)
        command.add_argument("--json", action="store_true", help="machine-readable output")
        command.set_defaults(run=run)
        return command

    acc = group("accounts", "tenants (SFMC MIDs)")
    create = leaf(acc, "create", _accounts_create, "create an account")
    create.add_argument("--name", required=True)
    create.add_argument("--id", type=int, default=None, help="numeric MID (default: next free)")
    leaf(acc, "list", _accounts_list, "list accounts")

    cli = group("clients", "OAuth2 client-credentials clients")
    create = leaf(cli, "create", _clients_create, "create a client; prints its secret once")
    create.add_argument("--account", type=int, default=None)
    create.add_argument("--name", required=True)
    create.add_argument("--scopes", default=None, help="space-separated (default: all)")
    _shell_option(create, {"CLIENT_ID": "client_id", "CLIENT_SECRET": "client_secret"})
    leaf(cli, "list", _clients_list, "list clients").add_argument("--account", type=int)
    leaf(cli, "revoke", _clients_revoke, "revoke a client").add_argument("client_id")

    tok = group("tokens", "long-lived API tokens for the Broadcast-style API")
    create = leaf(tok, "create", _tokens_create, "create a token; prints it once")
    create.add_argument("--account", type=int, default=None)
    create.add_argument("--name", required=True)
    create.add_argument("--scopes", default=None, help="transactional_read transactional_write")
    _shell_option(create, {"API_TOKEN": "token"})
    leaf(tok, "list", _tokens_list, "list tokens").add_argument("--account", type=int)
    leaf(tok, "revoke", _tokens_revoke, "revoke a token").add_argument("token_id")
    return parser


if __name__ == "__main__":
    sys.exit(main())
