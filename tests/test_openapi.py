"""The OpenAPI description matches the routing table and is served; the reference page renders
it without loading anything from elsewhere. (Every response the suite receives is validated
against it too: tests/contract.py.)"""

from __future__ import annotations

import re

from starlette.routing import Route

from app.api import openapi, routes
from tests.conftest import Service


def _routing_table() -> set[tuple[str, str]]:
    table = set()
    for route in routes.ROUTES:
        if isinstance(route, Route) and route.include_in_schema:
            path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
            table |= {(method.lower(), path) for method in route.methods or () if method != "HEAD"}
    return table


def test_every_route_is_described_and_nothing_else() -> None:
    described = {
        (method, path)
        for path, methods in openapi.document()["paths"].items()
        for method in methods
    }
    assert described == _routing_table()


def test_every_operation_documents_its_errors_and_security() -> None:
    document = openapi.document()
    ids = []
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            ids.append(op["operationId"])
            assert op["summary"] and op["tags"], (method, path)
            bearer = [s["bearer"] for s in op.get("security", []) if "bearer" in s]
            if bearer:
                assert {"401", "429"} <= set(op["responses"]), (method, path)
                if bearer[0]:  # a scope is needed
                    assert "403" in op["responses"], (method, path)
            if "requestBody" in op:
                assert {"400", "413"} <= set(op["responses"]), (method, path)
            for code, answer in op["responses"].items():
                if int(code) >= 400:
                    assert "application/json" in answer["content"], (method, path, code)
    assert len(ids) == len(set(ids)), "operationIds must be unique"


async def test_the_description_and_its_page_are_served(service: Service) -> None:
    served = await service.http.get("/openapi.json")
    assert served.status_code == 200
    assert served.json()["openapi"] == "3.1.0"
    assert served.json()["paths"].keys() == openapi.document()["paths"].keys()
    page = await service.http.get("/docs")
    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    for asset in re.findall(r'(?:src|href)="([^"]+)"', page.text):
        if asset.startswith("data:"):  # the empty favicon
            continue
        assert asset.startswith("/"), f"{asset} is not served by Tidings"
        assert (await service.http.get(asset)).status_code == 200
