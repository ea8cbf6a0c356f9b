"""The OpenAPI description matches the routing table and is served; the reference page renders
it without loading anything from elsewhere. (Every response the suite receives is validated
against it too: tests/contract.py.)"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from starlette.routing import Route

from app.api import endpoint, openapi, routes
from tests.conftest import Service, Tenant
from tests.sending import email_definition, sms_definition


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


@pytest.mark.parametrize(
    ("channel", "to", "attributes"),
    [("email", "ana@example.com", {"FirstName": "Ana", "OrderNo": "A-1"}),
     ("sms", "15555550123", {"Code": "1"})],
)  # fmt: skip
async def test_a_sends_required_recipient_fields_are_what_the_code_requires(
    service: Service, tenants: tuple[Tenant, Tenant], channel: str, to: str, attributes: Any
) -> None:
    """Exactly the schema's required recipient fields are accepted; each one left out is a 400."""
    a = tenants[0]
    await (email_definition if channel == "email" else sms_definition)(service, a)
    path = f"/messaging/v1/{channel}/messages"
    body_ref = openapi.document()["paths"][path]["post"]["requestBody"]["content"]
    request = _resolve(body_ref["application/json"]["schema"])
    required = _resolve(request["properties"]["recipient"])["required"]
    known = {"to": to, "contactKey": "cust-42"}
    definition = "order-confirm" if channel == "email" else "otp"

    async def send(key: str, fields: list[str]) -> httpx.Response:
        chosen = {name: known[name] for name in fields} | {"attributes": attributes}
        return await service.http.post(
            f"{path}/{key}",
            headers=a.headers,
            json={"definitionKey": definition, "recipient": chosen},
        )

    assert (await send("all-required", required)).status_code == 202
    for left_out in required:
        refused = await send(f"no-{left_out}", [f for f in required if f != left_out])
        assert refused.status_code == 400, (left_out, refused.text)
    if channel == "email":
        assert "contactKey" in required
        refused = await send("no-contact-key", ["to"])
        assert refused.json()["errorcode"] == 109105


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" not in schema:
        return schema
    return openapi.document()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]  # type: ignore[no-any-return]


async def test_metrics_is_described_as_open_unless_a_token_is_set(service: Service) -> None:
    op = openapi.document()["paths"]["/metrics"]["get"]
    assert {} in op["security"] and {"metricsToken": []} in op["security"]
    assert (await service.http.get("/metrics")).status_code == 200  # no token configured


def test_declared_operations_document_the_fields_and_scopes_the_code_uses() -> None:
    """For every ``@endpoint`` operation: the document's request fields are the model's (as
    clients spell them), and its scopes are the ones the auth check accepts."""
    document = openapi.document()
    served = {
        (method, route.path): route.endpoint
        for route in routes.ROUTES
        if isinstance(route, Route)
        for method in route.methods or ()
    }
    assert len(endpoint.REGISTRY) >= 8
    for op in endpoint.REGISTRY:
        documented = document["paths"][op.path][op.method.lower()]
        handler = served[(op.method, op.path)]
        accepted = getattr(handler, "accepted_scopes", None)
        scopes = [s for req in documented.get("security", []) for s in req.get("bearer", [])]
        if accepted is None and op.security is None:
            assert "security" not in documented, op.path
        elif accepted is None:  # a credential of its own (the inbound or metrics token)
            assert any(op.security in req for req in documented["security"]), op.path
        else:
            assert tuple(scopes) == tuple(accepted), (op.method, op.path)
        if op.request is None:
            assert "requestBody" not in documented, (op.method, op.path)
            continue
        content = documented["requestBody"]["content"]
        schema = content["application/json"]["schema"]
        if op.many:  # an ENS array of the model, or one bare object
            array, one = schema["anyOf"]
            assert array["items"] == one and array["maxItems"] == op.request.most_per_request
            schema = one
        schema = _resolve(schema)
        fields = {f.alias or name: f for name, f in op.request.model_fields.items()}
        assert set(schema["properties"]) == set(fields), (op.method, op.path)
        required = {name for name, f in fields.items() if f.is_required()}
        assert set(schema.get("required", [])) == required, (op.method, op.path)
        assert ("application/x-www-form-urlencoded" in content) == op.form, op.path
        for name, prop in schema["properties"].items():
            assert prop.get("examples"), f"{op.path} {name} has no example"
