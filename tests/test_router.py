"""The indexed router picks the route Starlette's full scan would pick, for every route."""

from __future__ import annotations

import re

import pytest
from starlette.routing import BaseRoute, Match

from app.api import router, routes

_PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")
_TABLE = router.IndexedRouter(routes.ROUTES)


def _concrete(path: str) -> list[str]:
    """Paths the template matches, and near misses around it."""
    filled = _PARAM.sub(lambda m: "a/b" if m.group(2) == "path" else "x1", path)
    return [filled, filled + "/extra", filled + "x", path.rsplit("/", 1)[0] or "/"]


def _first(candidates: list[BaseRoute], path: str, method: str) -> tuple[str, str] | None:
    scope = {"type": "http", "path": path, "root_path": "", "method": method}
    partial = None
    for route in candidates:
        match, _ = route.matches(dict(scope))
        if match is Match.FULL:
            return "full", getattr(route, "path", "")
        if match is Match.PARTIAL and partial is None:
            partial = "partial", getattr(route, "path", "")
    return partial


@pytest.mark.parametrize("route", [r for r in routes.ROUTES if hasattr(r, "path")], ids=str)
def test_the_indexed_router_matches_as_a_full_scan(route: BaseRoute) -> None:
    for path in [*_concrete(route.path), "/", "/nothing/here"]:  # type: ignore[attr-defined]
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            expected = _first(list(routes.ROUTES), path, method)
            assert _first(_TABLE.candidates(path), path, method) == expected, (path, method)
