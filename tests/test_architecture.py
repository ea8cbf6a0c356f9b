"""Dependencies point one way (DESIGN.md, "Shape of the code"), read from the source's imports.

A small AST walk rather than import-linter: besides layer contracts it checks what a linter of
imports cannot (SQL text and query calls outside ``app/storage``), needs no new dependency, and
names the offending file and line in the failure. Every import counts, also one inside a
function or under ``TYPE_CHECKING``: a deferred import is still a dependency.
"""

from __future__ import annotations

import ast
import inspect
import pathlib
import re
from collections.abc import Iterator

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
APP = ROOT / "app"

# Statements as this code base writes them: upper-case keywords (prose starts "Create a …").
SQL = re.compile(
    r"^\s*(SELECT\s|INSERT INTO|UPDATE \w+ SET|DELETE FROM|WITH \w+ AS|CREATE (TABLE|INDEX)|"
    r"ALTER TABLE|DROP (TABLE|INDEX)|PRAGMA\s|LISTEN\s|NOTIFY\s)"
)
QUERY_CALLS = {"execute", "execute_many", "fetch_one", "fetch_all", "fetch_val", "executemany"}
DRIVERS = {"sqlite3", "asyncpg"}


def _module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, pathlib.Path]:
    return {_module_name(path): path for path in sorted(APP.rglob("*.py"))}


MODULES = _modules()


def _resolve(name: str) -> str:
    """``app.services.sending.outcomes.NOT_SENT`` → the module it lives in."""
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def imports(module: str) -> Iterator[tuple[str, int]]:
    """Every module imported by ``module`` (app modules resolved, others by top-level name)."""
    tree = ast.parse(MODULES[module].read_text())
    package = module if MODULES[module].name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield _target(alias.name), node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}".rstrip(".")
            for alias in node.names:
                yield (
                    _target(f"{base}.{alias.name}" if base.startswith("app") else base),
                    (node.lineno),
                )


def _target(name: str) -> str:
    return _resolve(name) if name == "app" or name.startswith("app.") else name.split(".")[0]


def _in(module: str, *layers: str) -> bool:
    return any(module == layer or module.startswith(layer + ".") for layer in layers)


def violations(allowed: dict[str, tuple[str, ...]]) -> list[str]:
    """``importer layer -> layers it must not import``, checked over every app module."""
    found = []
    for module in MODULES:
        for layer, forbidden in allowed.items():
            if not _in(module, layer):
                continue
            for target, line in imports(module):
                if _in(target, *forbidden) and not _in(target, layer):
                    found.append(f"{MODULES[module].relative_to(ROOT)}:{line} imports {target}")
    return sorted(set(found))


def test_layers_point_one_way() -> None:
    """api -> services -> storage; services reach delivery only through protocols."""
    rules = {
        "app.api": ("app.storage", "app.delivery", "app.providers", "app.scheduler"),
        "app.console": ("app.storage", "app.delivery", "app.providers", "app.scheduler"),
        "app.services": ("app.api", "app.console", "app.delivery", "app.runtime", "app.main"),
        "app.storage": (
            "app.api",
            "app.console",
            "app.services",
            "app.delivery",
            "app.providers",
            "app.runtime",
            "app.scheduler",
            "app.settings",
        ),
        "app.delivery": ("app.api", "app.console", "app.providers", "app.runtime", "app.main"),
        "app.providers": ("app.api", "app.services", "app.storage", "app.delivery"),
    }
    assert violations(rules) == []


# The wire shapes may raise the domain's errors and read ISO 8601 times: both modules are
# pure leaves (errors imports only settings, clock nothing of the app).
_LEAVES_MAY_IMPORT = {"app.settings": (), "app.wire": ("app.errors", "app.clock", "app.settings")}


@pytest.mark.parametrize("leaf", list(_LEAVES_MAY_IMPORT))
def test_leaves_import_nothing_of_the_app(leaf: str) -> None:
    allowed = _LEAVES_MAY_IMPORT[leaf]
    found = [
        f"{module} imports {target}"
        for module in MODULES
        if _in(module, leaf)
        for target, _ in imports(module)
        if _in(target, "app") and not _in(target, leaf, *allowed)
    ]
    assert found == []


def test_nothing_imports_api_or_main_but_the_entry_points() -> None:
    # The console's routes are declared with the API's machinery (``@endpoint``, its auth).
    entry = {"app.api": ("app.api", "app.console", "app.main"), "app.main": ("app.__main__",)}
    found = [
        f"{module} imports {target}"
        for module in MODULES
        for target, _ in imports(module)
        for guarded, importers in entry.items()
        if _in(target, guarded) and not _in(module, *importers)
    ]
    assert found == []


def test_providers_are_used_by_the_sender_only() -> None:
    users = (
        "app.providers",
        "app.services.sending.outbound",
        "app.services.sending.compose",  # the content the sender hands a provider
        "app.services.sending.provider_answers",  # what the sender makes of an answer (pure)
        "app.tools.trigger",  # names the sandbox's reserved recipients (constants only)
        "app.runtime",
    )
    found = [
        f"{module} imports {target}"
        for module in MODULES
        for target, _ in imports(module)
        if _in(target, "app.providers") and not _in(module, *users)
    ]
    assert found == []


def test_database_drivers_are_imported_only_by_storage() -> None:
    found = [
        f"{module} imports {target}"
        for module in MODULES
        for target, _ in imports(module)
        if target in DRIVERS and not _in(module, "app.storage")
    ]
    assert found == []


def _sql_outside_storage(module: str) -> Iterator[str]:
    tree = ast.parse(MODULES[module].read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if SQL.match(node.value):
                yield f"line {node.lineno}: SQL text {node.value[:40]!r}"
        elif isinstance(node, ast.JoinedStr):
            head = node.values[0] if node.values else None
            if isinstance(head, ast.Constant) and SQL.match(str(head.value)):
                yield f"line {node.lineno}: SQL text {str(head.value)[:40]!r}"
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in QUERY_CALLS
        ):
            yield f"line {node.lineno}: .{node.func.attr}(…)"


def test_only_storage_runs_sql() -> None:
    found = [
        f"{MODULES[module].relative_to(ROOT)} {where}"
        for module in MODULES
        if not _in(module, "app.storage")
        for where in _sql_outside_storage(module)
    ]
    assert found == []


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    graph = {m: {t for t, _ in imports(m) if t in MODULES and t != m} for m in MODULES}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    """A package's ``__init__`` re-exporting its modules is not a cycle worth the name."""
    cycles = [c for c in _cycles() if not all(m == c[0] or m.startswith(c[0] + ".") for m in c)]
    assert cycles == []


def test_the_checks_see_a_violation() -> None:
    """The walker finds imports inside functions and ``from app import x`` forms."""
    found = dict(imports("app.runtime"))
    assert "app.scheduler" in found
    assert "app.storage.db" in found


def test_handlers_do_not_wake_workers() -> None:
    """Waking the sender or the dispatcher is the committing service's call (``Wakeups``)."""
    found = [
        f"{MODULES[module].relative_to(ROOT)}:{node.lineno}"
        for module in MODULES
        if _in(module, "app.api", "app.console")
        for node in ast.walk(ast.parse(MODULES[module].read_text()))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "wake"
    ]
    assert found == []


def test_runtime_is_built_with_keywords() -> None:
    from app.runtime import Runtime

    kinds = {p.kind for p in inspect.signature(Runtime).parameters.values()}
    assert kinds == {inspect.Parameter.KEYWORD_ONLY}
    assert "fmt: skip" not in MODULES["app.runtime"].read_text()


def test_the_scheduler_holds_no_domain_rules() -> None:
    """It calls services on a schedule; NotSent codes and idempotency windows live there."""
    tree = ast.parse(MODULES["app.scheduler"].read_text())
    names = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    numbers = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)}
    assert 139 not in numbers
    assert "IDEMPOTENCY_WINDOW_S" not in names
    assert not {"end_held", "idempotency"} & names
