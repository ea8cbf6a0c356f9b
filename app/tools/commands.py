"""The client commands' arguments and how each runs (``app.__main__`` adds them)."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson

from app.settings import Settings
from app.tools import checker, listen, trigger
from app.tools.client import Server


def add(commands: Any) -> None:
    """``listen``, ``trigger`` and ``check-receiver`` under ``commands`` (argparse)."""
    listening = commands.add_parser("listen", help="receive the account's events locally")
    _server_options(listening)
    listening.add_argument("--forward-to", help="local URL each batch is POSTed to, signed")
    listening.add_argument("--events", help="comma-separated event types, short or full names")
    listening.add_argument("--filter", help="definitionKey=<key>")
    listening.add_argument("--print-json", action="store_true", help="print each event's JSON")
    listening.add_argument("--since-minutes", type=int, default=0, help="replay these first")
    listening.set_defaults(tool=_listen)

    triggering = commands.add_parser("trigger", help="make a real event of a type")
    _server_options(triggering)
    triggering.add_argument("event_type", help=", ".join(t.short for t in trigger.RECIPIENTS))
    triggering.set_defaults(tool=_trigger)

    checking = commands.add_parser("check-receiver", help="grade a webhook receiver")
    checking.add_argument("url", help="the receiver's URL")
    checking.add_argument("--secret", required=True, help="whsec_… the receiver verifies with")
    checking.add_argument("--previous-secret", help="whsec_… of a rotation's old key")
    checking.add_argument("--json", action="store_true", help="machine-readable output")
    checking.set_defaults(tool=_check)


def _server_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--url", help="the Tidings server (default: $TIDINGS_URL)")
    command.add_argument("--client-id", help="default: $TIDINGS_CLIENT_ID")
    command.add_argument("--client-secret", help="default: $TIDINGS_CLIENT_SECRET")


@contextlib.asynccontextmanager
async def _server(settings: Settings, args: argparse.Namespace) -> AsyncIterator[Server]:
    async with httpx.AsyncClient(timeout=30.0, follow_redirects=False) as http:
        yield Server(
            url=args.url or settings.cli_url,
            client_id=args.client_id or settings.cli_client_id,
            client_secret=args.client_secret or settings.cli_client_secret,
            http=http,
        )


async def _listen(settings: Settings, args: argparse.Namespace) -> int:
    params = {"events": args.events, "filter": args.filter,
              "sinceMinutes": str(args.since_minutes) if args.since_minutes else None}  # fmt: skip
    async with _server(settings, args) as server:
        await listen.Listen(
            server, args.forward_to, {k: v for k, v in params.items() if v is not None},
            print_json=args.print_json,
        ).run()  # fmt: skip
    return 0


async def _trigger(settings: Settings, args: argparse.Namespace) -> int:
    event_type = trigger.type_named(args.event_type)
    async with _server(settings, args) as server:
        sent = await trigger.trigger(server, event_type)
    print(orjson.dumps(sent).decode())
    return 0


async def _check(settings: Settings, args: argparse.Namespace) -> int:
    async with httpx.AsyncClient(timeout=10.0, follow_redirects=False) as http:
        rows = await checker.check(http, args.url, args.secret, previous=args.previous_secret)
    print(orjson.dumps(rows).decode() if args.json else checker.table(rows))
    return 0 if all(row["pass"] for row in rows) else 1
