"""The command line: serve, migrate, accounts / clients / tokens management, and the receiver
tools (listen, trigger, check-receiver: ``app.tools``)."""

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
from app.settings import ROLES, Settings
from app.storage import accounts, api_tokens, clients, migrations
from app.storage.db import Db
from app.tools import commands as tools

Command = Callable[[Db, argparse.Namespace], Awaitable[Any]]


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        if args.command == "serve":
            return _serve(settings, args)
        if getattr(args, "tool", None) is not None:  # talks to a server, not to a database
            return int(asyncio.run(args.tool(settings, args)))
        code = asyncio.run(_with_db(settings, args))
        sys.stdout.flush()  # here, not at exit, so that a closed pipe is seen below
        return code
    except BrokenPipeError:
        return _stdout_closed()
    except KeyboardInterrupt:  # Ctrl-C ends `tidings listen`
        return 130
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
    from app.runtime import check_role

    settings = settings.replace(
        host=args.host, port=args.port or settings.port, role=args.role or settings.role
    )
    check_role(settings)
    limits = connections.limits_for(settings)
    uvicorn.run(
        # First-run credentials go to stdout once, for the operator, never into the log.
        create_app(settings, tune_gc=True),
        host=settings.host,
        port=settings.port,
        http=connections.protocol(limits),
        ws="none",  # no WebSocket routes: an Upgrade is answered as plain HTTP
        timeout_keep_alive=settings.keep_alive_s,
        timeout_graceful_shutdown=settings.shutdown_grace_s,
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


@dataclasses.dataclass(frozen=True)
class _Grants:
    """What differs between the ``clients`` and ``tokens`` command groups."""

    group: str
    about: str
    noun: str
    key: str  # the argument naming one, for revoke
    create: Callable[..., Awaitable[Any]]
    shown: Callable[[Any], dict[str, Any]]  # the issued grant, with its secret, for output
    list_all: Callable[..., Awaitable[list[Any]]]
    revoke: Callable[..., Awaitable[None]]
    create_help: str
    scopes_help: str
    shell_names: dict[str, str]

    async def run_create(self, db: Db, args: argparse.Namespace) -> Any:
        issued = await self.create(
            db,
            account_id=await _account_for(db, args.account),
            name=args.name,
            scopes=args.scopes,
            now=clock.now_ms(),
        )
        return self.shown(issued)

    async def run_list(self, db: Db, args: argparse.Namespace) -> Any:
        return [_public(grant) for grant in await self.list_all(db, account_id=args.account)]

    async def run_revoke(self, db: Db, args: argparse.Namespace) -> Any:
        key = getattr(args, self.key)
        await self.revoke(db, key, now=clock.now_ms())
        return {"revoked": key}


_CLIENTS = _Grants(
    group="clients",
    about="OAuth2 client-credentials clients",
    noun="client",
    key="client_id",
    create=credentials.create_client,
    shown=lambda issued: _public(issued.client) | {"client_secret": issued.client_secret},
    list_all=clients.list_all,
    revoke=credentials.revoke_client,
    create_help="create a client; prints its secret once",
    scopes_help="space-separated (default: all)",
    shell_names={"CLIENT_ID": "client_id", "CLIENT_SECRET": "client_secret"},
)
_TOKENS = _Grants(
    group="tokens",
    about="long-lived API tokens for the Broadcast-style API",
    noun="token",
    key="token_id",
    create=credentials.create_api_token,
    shown=lambda issued: _public(issued.token) | {"token": issued.secret},
    list_all=api_tokens.list_all,
    revoke=credentials.revoke_api_token,
    create_help="create a token; prints it once",
    scopes_help="transactional_read transactional_write",
    shell_names={"API_TOKEN": "token"},
)


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
    serve.add_argument(
        "--role", choices=ROLES, default=None,
        help="all: API and background work (default, $TIDINGS_ROLE); api: the HTTP API only;"
        " worker: the background work only, with /healthz, /readyz and /metrics on --port",
    )  # fmt: skip
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

    for grants in (_CLIENTS, _TOKENS):
        actions = group(grants.group, grants.about)
        create = leaf(actions, "create", grants.run_create, grants.create_help)
        create.add_argument("--account", type=int, default=None)
        create.add_argument("--name", required=True)
        create.add_argument("--scopes", default=None, help=grants.scopes_help)
        _shell_option(create, grants.shell_names)
        listing = leaf(actions, "list", grants.run_list, f"list {grants.group}")
        listing.add_argument("--account", type=int)
        leaf(actions, "revoke", grants.run_revoke, f"revoke a {grants.noun}").add_argument(
            grants.key
        )
    tools.add(commands)
    return parser


if __name__ == "__main__":
    sys.exit(main())
