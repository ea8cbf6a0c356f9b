"""The command line against a real database: accounts, clients, tokens, migrate."""

from __future__ import annotations

import contextlib
import io
import json
import os
import pathlib
import shlex
import shutil
import signal
import subprocess
import sys
from typing import Any
from unittest import mock

import pytest

from app import __main__ as cli
from app.services.access import scopes
from tests.server import serving

ROOT = pathlib.Path(__file__).parent.parent


def tidings(database_url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the CLI in this process (fast); one test below runs it as a real subprocess."""
    out, err = io.StringIO(), io.StringIO()
    with (
        mock.patch.dict(os.environ, {"DATABASE_URL": database_url}),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        code = cli.main(list(args))
    done = subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())
    if check:
        assert done.returncode == 0, done.stderr
    return done


def as_json(database_url: str, *args: str) -> Any:
    return json.loads(tidings(database_url, *args, "--json").stdout)


def test_accounts_clients_and_tokens_lifecycle(database_url: str) -> None:
    account = as_json(database_url, "accounts", "create", "--name", "Shop", "--id", "510001234")
    assert account["id"] == 510001234
    assert [a["id"] for a in as_json(database_url, "accounts", "list")] == [510001234]

    created = as_json(database_url, "clients", "create", "--name", "backend")  # the only account
    assert created["account_id"] == 510001234
    assert len(created["client_secret"]) >= 32
    assert set(created["scopes"].split()) == set(scopes.CLIENT_SCOPES)
    listed = tidings(database_url, "clients", "list", "--json").stdout
    assert created["client_id"] in listed
    assert created["client_secret"] not in listed and "secret_hash" not in listed

    narrow = as_json(
        database_url,
        "clients",
        "create",
        "--account",
        "510001234",
        "--name",
        "ro",
        "--scopes",
        "email_read sms_read",
    )
    assert narrow["scopes"] == "email_read sms_read"

    token = as_json(database_url, "tokens", "create", "--name", "broadcast")
    assert token["token"].startswith("tdg_")
    assert token["scopes"] == "transactional_read transactional_write"
    token_list = tidings(database_url, "tokens", "list").stdout
    assert token["id"] in token_list and token["token"] not in token_list

    tidings(database_url, "clients", "revoke", created["client_id"])
    tidings(database_url, "tokens", "revoke", token["id"])
    [revoked] = [c for c in as_json(database_url, "clients", "list") if c["revoked_at"]]
    assert revoked["client_id"] == created["client_id"]
    assert as_json(database_url, "tokens", "list")[0]["revoked_at"]


def test_python_dash_m_app_runs_as_a_program(tmp_path: Any) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/cli.db"}
    done = subprocess.run(
        [sys.executable, "-m", "app", "accounts", "create", "--name", "Shop", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["name"] == "Shop"


def test_human_output_prints_the_secret_once_with_a_warning(database_url: str) -> None:
    tidings(database_url, "accounts", "create", "--name", "Shop")
    out = tidings(database_url, "clients", "create", "--name", "backend").stdout
    assert "client_secret=" in out
    assert "shown once" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("clients", "create", "--name", "x", "--account", "999"), "no account 999"),
        (("clients", "create", "--name", "x"), "--account is required"),
        (("clients", "revoke", "nobody"), "no client nobody"),
        (("tokens", "revoke", "tok_nope"), "no API token tok_nope"),
        (
            ("tokens", "create", "--name", "x", "--account", "1", "--scopes", "email_read"),
            "unknown scope",
        ),
        (("accounts", "create", "--name", " "), "must not be blank"),
    ],
)
def test_cli_errors_are_one_clear_line(
    database_url: str, args: tuple[str, ...], message: str
) -> None:
    tidings(database_url, "accounts", "create", "--name", "one", "--id", "1")
    tidings(database_url, "accounts", "create", "--name", "two", "--id", "2")
    done = tidings(database_url, *args, check=False)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_migrate_reports_then_is_a_no_op(database_url: str) -> None:
    first = as_json(database_url, "migrate")
    assert first["applied"] == [1] or first["applied"][0] == 1
    assert as_json(database_url, "migrate") == {"applied": []}
    assert "up to date" in tidings(database_url, "migrate").stdout


def test_a_bad_database_url_is_a_clear_error() -> None:
    done = tidings("mysql://nowhere/db", "migrate", check=False)
    assert done.returncode == 2
    assert "DATABASE_URL must start with" in done.stderr


def test_a_reader_that_closes_early_ends_the_command_quietly(tmp_path: Any) -> None:
    database_url = f"sqlite:///{tmp_path}/cli.db"
    tidings(database_url, "accounts", "create", "--name", "Shop")
    for n in range(3):
        tidings(database_url, "clients", "create", "--name", f"c{n}")
    for args in (["clients", "list", "--json"], ["clients", "list"]):
        process = subprocess.Popen(
            [sys.executable, "-m", "app", *args],
            env={**os.environ, "DATABASE_URL": database_url},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        process.stdout.close()  # type: ignore[union-attr]  # the reader is gone before a byte
        _, err = process.communicate(timeout=60)
        assert process.returncode == 128 + signal.SIGPIPE, err
        assert err == ""


def _readme_block(heading: str) -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split(heading, 1)[1]
    return section.split("```sh\n", 1)[1].split("```", 1)[0]


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_readme_getting_a_token_block_runs_in_order_after_a_first_start(
    tmp_path: Any,
) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/readme.db"}
    with serving(env) as server:
        assert "client_secret:" in server.output  # the first start happened
        block = _readme_block("## Getting a token").replace(
            ".venv/bin/python", shlex.quote(sys.executable)
        )
        block = block.replace("http://127.0.0.1:8000/", server.base_url)  # loopback only
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        token = json.loads(done.stdout.splitlines()[-1])
        assert token["token_type"] == "Bearer" and token["access_token"]
        assert "email_send" in token["scope"].split()
