"""Set-up through Tidings' public API, for the benchmarks and the tests alike: an access token,
an email definition over its content asset, verified callbacks, and their subscriptions.

Every helper takes an ``httpx.AsyncClient`` (in-process over ASGI, or a served instance) and
the bearer headers, and fails with the answer's text when Tidings refuses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

Headers = dict[str, str]
# The verification probe a receiver got for a callbackId.
Probe = Callable[[str], dict[str, Any]]

ORDER_VIEWS = {
    "subjectline": {"content": "Your order %%OrderNo%% ✓"},
    "preheader": {"content": "Thanks, %%FirstName%%"},
    "html": {"content": "<p>Hello <b>%%FirstName%%</b>, order %%OrderNo%% is on its way.</p>"},
}

# Content personalised by one attribute, N: what bulk sends vary per recipient.
NUMBERED_VIEWS = {"subjectline": {"content": "Receipt %%N%%"}, "html": {"content": "<p>%%N%%</p>"}}


def numbered_recipients(numbers: range, prefix: str = "m") -> list[dict[str, Any]]:
    """Batch recipients ``r<n>@example.com`` with messageKey ``<prefix><n>`` and attribute N."""
    return [
        {"contactKey": f"c{n}", "to": f"r{n}@example.com", "messageKey": f"{prefix}{n}",
         "attributes": {"N": str(n)}}
        for n in numbers
    ]  # fmt: skip


async def access_token(http: httpx.AsyncClient, client_id: str, client_secret: str) -> str:
    """An OAuth2 client-credentials access token (``POST /v2/token``)."""
    response = await http.post(
        "/v2/token",
        json={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
        },
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]  # type: ignore[no-any-return]


def asset(customer_key: str, views: dict[str, Any] | None = None) -> dict[str, Any]:
    """An htmlemail content asset: the order confirmation, unless ``views`` say otherwise."""
    return {
        "name": "Order confirmation",
        "customerKey": customer_key,
        "assetType": {"id": 208, "name": "htmlemail"},
        "views": views or ORDER_VIEWS,
    }


async def email_definition(
    http: httpx.AsyncClient,
    headers: Headers,
    key: str = "order-confirm",
    *,
    views: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Email definition ``key`` over a new asset ``<key>-content``; the definition created."""
    content = f"{key}-content"
    created = await http.post(
        "/asset/v1/content/assets", json=asset(content, views), headers=headers
    )
    assert created.status_code == 201, created.text
    body = {"definitionKey": key, "name": f"Definition {key}", "content": {"customerKey": content}}
    response = await http.post(
        "/messaging/v1/email/definitions", json=body | extra, headers=headers
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def callbacks(
    http: httpx.AsyncClient, headers: Headers, items: list[dict[str, Any]], probe: Probe
) -> list[dict[str, Any]]:
    """Callbacks (ENS callback bodies) created in one request, each verified with the probe its
    receiver got; the callbacks created, with their ``callbackId`` and ``signatureKey``."""
    created = await http.post("/platform/v1/ens-callbacks", headers=headers, json=items)
    assert created.status_code == 201, created.text
    made: list[dict[str, Any]] = created.json()
    for callback in made:
        got = probe(callback["callbackId"])
        assert got["callbackId"] == callback["callbackId"]
        verified = await http.post("/platform/v1/ens-verify", headers=headers, json=got)
        assert verified.status_code == 200, verified.text
    return made


async def subscriptions(
    http: httpx.AsyncClient, headers: Headers, items: list[dict[str, Any]]
) -> list[str]:
    """Subscriptions (ENS subscription bodies) created in one request; their ids."""
    created = await http.post("/platform/v1/ens-subscriptions", headers=headers, json=items)
    assert created.status_code == 201, created.text
    return [s["subscriptionId"] for s in created.json()]
