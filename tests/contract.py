"""Every response the test suite gets from the in-process app is checked against the OpenAPI
description (``app.api.openapi``): its status must be documented for the operation, and a JSON
body must match the documented schema, with no field a model does not name (so a handler that
answers with a plain dict on the hot send path cannot drift from its declared model; the error
envelopes stay open, as documented). A route the description does not know (a test's own)
is not checked; a 5xx always fails."""

from __future__ import annotations

import re
from typing import Any

import httpx
import jsonschema_rs
import orjson

from app.api import openapi, routes  # noqa: F401 (importing the handlers fills the registry)

_SLASHES = re.compile(r"/{2,}")


class Contract:
    def __init__(self, document: dict[str, Any]) -> None:
        # The error envelopes stay open, as documented: an error may add fields (``details``).
        envelopes = {name: document["components"]["schemas"][name] for name in openapi.SCHEMAS}
        document = _closed(document)
        document["components"]["schemas"] |= envelopes
        self._components = document["components"]
        self._operations: list[tuple[str, re.Pattern[str], dict[str, Any]]] = []
        for path, methods in document["paths"].items():
            pattern = re.compile("^" + re.sub(r"\{\w+\}", "[^/]+", re.escape(path).replace(
                r"\{", "{").replace(r"\}", "}")) + "$", re.I)  # fmt: skip
            for method, op in methods.items():
                self._operations.append((method.upper(), pattern, op))
        self._validators: dict[int, Any] = {}

    def operation(self, method: str, path: str) -> dict[str, Any] | None:
        tidy = _SLASHES.sub("/", path)
        tidy = tidy.rstrip("/") if len(tidy) > 1 else tidy
        for known, pattern, op in self._operations:
            if known == method and pattern.match(tidy):
                return op
        return None

    def problem(self, method: str, path: str, status: int, headers: Any, body: bytes) -> str:
        """What is wrong with this response, or ``""``."""
        where = f"{method} {path} -> {status}"
        if status == 500:
            return f"{where}: a server error: {body[:300]!r}"
        op = self.operation(method, path)
        if op is None:
            return f"{where}: a server error: {body[:300]!r}" if status > 500 else ""
        documented = op["responses"].get(str(status))
        if documented is None:
            return f"{where}: status not in the description ({sorted(op['responses'])})"
        schema = documented.get("content", {}).get("application/json", {}).get("schema")
        if schema is None or not headers.get("content-type", "").startswith("application/json"):
            return ""
        validator = self._validators.get(id(schema))
        if validator is None:
            validator = jsonschema_rs.validator_for(schema | {"components": self._components})
            self._validators[id(schema)] = validator
        errors = [f"{list(e.instance_path)}: {e.message}" for e in validator.iter_errors(
            orjson.loads(body))]  # fmt: skip
        return f"{where}: body does not match: {errors[:3]}" if errors else ""


def _closed(schema: Any) -> Any:
    """The document with every object that lists its properties closed to others."""
    if isinstance(schema, list):
        return [_closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    closed = {key: _closed(value) for key, value in schema.items()}
    if "properties" in closed and "additionalProperties" not in closed:
        closed["additionalProperties"] = False
    return closed


CONTRACT = Contract(openapi.document())


async def check_response(response: httpx.Response) -> None:
    """An httpx response hook for the in-process client."""
    await response.aread()
    problem = CONTRACT.problem(
        response.request.method, response.request.url.path, response.status_code,
        response.headers, response.content,
    )  # fmt: skip
    assert not problem, problem
