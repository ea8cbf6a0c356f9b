"""Loopback-only network namespaces: where a test may let Tidings connect to addresses it was given.

A test marked ``isolated`` (callback URLs, SSRF cases, fuzzing) runs only where the process sees
no network interface but ``lo``, so a guard that fails cannot send a packet off the machine.
``.ci/run`` runs the whole suite under ``unshare --net``; run by hand, ``unshare --net sh -c
'ip link set lo up && exec .venv/bin/pytest …'`` does the same. Elsewhere such tests skip, or
fail when ``TIDINGS_REQUIRE_ISOLATION`` is set (as ``.ci/run`` sets it).
"""

from __future__ import annotations

import os
import socket

import pytest

MARKER = "isolated"


def is_loopback_only() -> bool:
    """True when the only network interface this process can use is the loopback one."""
    return {name for _, name in socket.if_nameindex()} == {"lo"}


def check(item: pytest.Item) -> None:
    """Skip (or fail, when isolation is required) a marked test outside such a namespace."""
    if item.get_closest_marker(MARKER) is None or is_loopback_only():
        return
    reason = "connects where a test tells it to: runs only in a loopback-only network namespace"
    if os.environ.get("TIDINGS_REQUIRE_ISOLATION"):
        pytest.fail(f"{reason}, and TIDINGS_REQUIRE_ISOLATION is set (use unshare --net)")
    pytest.skip(f"{reason} (run .ci/run, or pytest under unshare --net)")
