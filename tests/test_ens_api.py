"""The ENS management API: registration with a probe, verification, validation, SSRF refusals,
deletion rules, scopes and tenant isolation on every route."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from app.delivery import client, guard
from bench.pg import free_port
from tests.conftest import (
    FakeClock,
    Service,
    Tenant,
    make_tenant,
    reauthenticate,
    running,
    settings_for,
)
from tests.receiver import Receiver, receiver, status
from tests.webhooks import register, subscribe

Tenants = tuple[Tenant, Tenant]


SERVICE_SETTINGS = {"allow_private_callbacks": True, "probe_timeout_s": 1.0}


async def test_a_failed_probe_keeps_the_callback_for_a_re_probe(
    service: Service, tenants: Tenants, target: Receiver, clock: FakeClock
) -> None:
    a = tenants[0]
    target.behaviours = [status(500)]
    failed = await service.http.post(
        "/platform/v1/ens-callbacks",
        headers=a.headers,
        json=[{"callbackName": "hook", "url": target.url + "/hook", "maxBatchSize": 100}],
    )
    assert failed.status_code == 400
    body = failed.json()
    assert "probeCallbackLiveness" in body["message"] and "HTTP 500" in body["message"]
    [kept] = body["callbacks"]
    callback_id = kept["callbackId"]
    assert kept["status"] == "unverified" and len(kept["signatureKey"]) == 44
    assert "Authorization" not in target.requests[0].headers
    assert "x-sfmc-ens-signature" not in target.requests[0].headers  # the probe is unsigned

    listed = (await service.http.get("/platform/v1/ens-callbacks", headers=a.headers)).json()
    assert [c["callbackId"] for c in listed] == [callback_id]
    assert "signatureKey" not in listed[0]  # never shown again
    refused = await service.http.post(
        "/platform/v1/ens-subscriptions",
        headers=a.headers,
        json=[{"subscriptionName": "s", "callbackId": callback_id,
               "eventCategoryTypes": ["EmailSent"]}],
    )  # fmt: skip
    assert refused.status_code == 400 and "not verified" in refused.json()["message"]

    probed = await service.http.post(
        f"/platform/v1/ens-callbacks/{callback_id}/probe", headers=a.headers
    )
    assert probed.status_code == 200, probed.text
    probe = target.probes[-1]
    wrong = await service.http.post(
        "/platform/v1/ens-verify",
        headers=a.headers,
        json={"callbackId": callback_id, "verificationKey": "nope"},
    )
    assert wrong.status_code == 404
    ok = await service.http.post("/platform/v1/ens-verify", headers=a.headers, json=probe)
    assert ok.status_code == 200 and ok.json()["status"] == "verified"
    again = await service.http.post("/platform/v1/ens-verify", headers=a.headers, json=probe)
    assert again.status_code == 404  # single use

    await service.http.post(f"/platform/v1/ens-callbacks/{callback_id}/probe", headers=a.headers)
    clock.advance(4 * 3600 + 1)
    a = await reauthenticate(service, a)
    late = await service.http.post(
        "/platform/v1/ens-verify", headers=a.headers, json=target.probes[-1]
    )
    assert late.status_code == 400 and "expired" in late.json()["message"]


async def test_callback_and_subscription_lifecycle(
    service: Service, tenants: Tenants, target: Receiver
) -> None:
    a = tenants[0]
    callback_id, _ = await register(service, a, target, maxBatchSize=250)
    duplicate = await service.http.post(
        "/platform/v1/ens-callbacks",
        headers=a.headers,
        json=[{"callbackName": "again", "url": target.url + "/hook"}],
    )
    assert duplicate.status_code == 409
    updated = await service.http.put(
        "/platform/v1/ens-callbacks",
        headers=a.headers,
        json=[{"callbackId": callback_id, "callbackName": "renamed", "maxBatchSize": 500}],
    )
    assert updated.json()[0]["callbackName"] == "renamed"
    assert updated.json()[0]["maxBatchSize"] == 500
    subscription_id = await subscribe(
        service, a, callback_id,
        types=["SMSSent", "TransactionalSendEvents.EmailNotSent"],
        filters=["definitionKey=order-confirm", "statusCode:27", ""],
    )  # fmt: skip
    got = (
        await service.http.get(
            f"/platform/v1/ens-subscriptions/{subscription_id}", headers=a.headers
        )
    ).json()
    assert got["eventCategoryTypes"] == [
        "TransactionalSendEvents.SmsSent",
        "TransactionalSendEvents.EmailNotSent",
    ]
    assert got["filters"] == ["definitionKey=order-confirm", "statusCode=27"]
    assert got["url"] == target.url + "/hook" and got["status"] == "active"
    by_cb = await service.http.get(
        f"/platform/v1/ens-subscriptions-by-cb/{callback_id}", headers=a.headers
    )
    assert [s["subscriptionId"] for s in by_cb.json()] == [subscription_id]
    taken = await service.http.post(
        "/platform/v1/ens-subscriptions",
        headers=a.headers,
        json=[{"subscriptionName": "ALL-EMAIL", "callbackId": callback_id,
               "eventCategoryTypes": ["EmailSent"]}],
    )  # fmt: skip
    assert taken.status_code == 409
    blocked = await service.http.delete(
        f"/platform/v1/ens-callbacks/{callback_id}", headers=a.headers
    )
    assert blocked.status_code == 409
    gone = await service.http.delete(
        f"/platform/v1/ens-subscriptions/{subscription_id}", headers=a.headers
    )
    assert gone.status_code == 200
    deleted = await service.http.delete(
        f"/platform/v1/ens-callbacks/{callback_id}", headers=a.headers
    )
    assert deleted.status_code == 200
    missing = await service.http.get(f"/platform/v1/ens-callbacks/{callback_id}", headers=a.headers)
    assert missing.status_code == 404 and "doesn't exist" in missing.json()["message"]


@pytest.mark.parametrize(
    ("item", "fragment"),
    [
        ({"url": "https://example.com/x"}, "callbackName"),
        ({"callbackName": "x"}, "url"),
        ({"callbackName": "x", "url": "ftp://example.com/x"}, "url"),
        ({"callbackName": "x", "url": "https://example.com/x", "maxBatchSize": 0}, "maxBatchSize"),
        (
            {"callbackName": "x", "url": "https://example.com/x", "maxBatchSize": 1001},
            "maxBatchSize",
        ),
        (
            {"callbackName": "x", "url": "https://example.com/x", "keyEncoding": "hex"},
            "keyEncoding",
        ),
        (
            {"callbackName": "x", "url": "https://example.com/x", "strictOrder": "yes"},
            "strictOrder",
        ),
    ],
)
async def test_callback_validation(
    service: Service, tenants: Tenants, item: dict[str, Any], fragment: str
) -> None:
    response = await service.http.post(
        "/platform/v1/ens-callbacks", headers=tenants[0].headers, json=[item]
    )
    assert response.status_code == 400, response.text
    assert fragment in response.json()["message"]


async def test_subscription_validation(
    service: Service, tenants: Tenants, target: Receiver
) -> None:
    a = tenants[0]
    callback_id, _ = await register(service, a, target)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"eventCategoryTypes": ["EmailOpened", "EmailSent"]}, "EmailOpened"),
        ({"eventCategoryTypes": []}, "eventCategoryTypes"),
        ({"eventCategoryTypes": ["EmailSent"], "filters": ["color=red"]}, "color=red"),
        ({"eventCategoryTypes": ["EmailSent"], "filters": "definitionKey=x"}, "filters"),
    ]
    for extra, fragment in cases:
        response = await service.http.post(
            "/platform/v1/ens-subscriptions",
            headers=a.headers,
            json=[{"subscriptionName": "s", "callbackId": callback_id, **extra}],
        )
        assert response.status_code == 400, extra
        assert fragment in response.json()["message"]
    for body in ({"not": "an array"}, [], ["x"], b"{"):
        kwargs: dict[str, Any] = {"content": body} if isinstance(body, bytes) else {"json": body}
        response = await service.http.post(
            "/platform/v1/ens-subscriptions", headers=a.headers, **kwargs
        )
        assert response.status_code in (400, 404), body
        assert "errorcode" in response.json()


async def test_a_refused_item_leaves_no_earlier_item_behind(
    service: Service, tenants: Tenants, target: Receiver
) -> None:
    """Every item of an ENS array is checked before any is registered: a bad second item is
    a 400 with nothing created (no callback whose signing key was never shown)."""
    a = tenants[0]
    good = {"callbackName": "first", "url": target.url + "/first"}
    refused = await service.http.post(
        "/platform/v1/ens-callbacks", headers=a.headers,
        json=[good, {"callbackName": "", "url": target.url + "/second"}],
    )  # fmt: skip
    assert refused.status_code == 400 and "callbackName" in refused.json()["message"]
    listed = await service.http.get("/platform/v1/ens-callbacks", headers=a.headers)
    assert listed.json() == []
    assert target.probes == []
    callback_id, _ = await register(service, a, target)
    refused = await service.http.post(
        "/platform/v1/ens-subscriptions", headers=a.headers,
        json=[{"subscriptionName": "one", "callbackId": callback_id,
               "eventCategoryTypes": ["EmailSent"]},
              {"subscriptionName": "two", "callbackId": callback_id,
               "eventCategoryTypes": ["EmailOpened"]}],
    )  # fmt: skip
    assert refused.status_code == 400 and "EmailOpened" in refused.json()["message"]
    found = await service.http.get(
        f"/platform/v1/ens-subscriptions-by-cb/{callback_id}", headers=a.headers
    )
    assert found.json() == []


async def test_every_route_is_isolated_and_scoped(
    service: Service, tenants: Tenants, target: Receiver
) -> None:
    a, b = tenants
    callback_id, _ = await register(service, a, target)
    subscription_id = await subscribe(service, a, callback_id)
    cb = f"/platform/v1/ens-callbacks/{callback_id}"
    sub = f"/platform/v1/ens-subscriptions/{subscription_id}"
    calls: list[tuple[str, str, Any]] = [
        ("GET", cb, None),
        ("DELETE", cb, None),
        ("PUT", "/platform/v1/ens-callbacks", [{"callbackId": callback_id, "callbackName": "x"}]),
        ("POST", cb + "/probe", None),
        ("POST", cb + "/enable", None),
        ("GET", cb + "/attempts", None),
        ("GET", cb + "/health", None),
        ("POST", cb + "/replay", {"from": 0}),
        ("POST", cb + "/test", None),
        ("POST", "/platform/v1/ens-verify", {"callbackId": callback_id, "verificationKey": "k"}),
        ("PUT", "/platform/v1/ens-regenerate", {"callbackId": callback_id}),
        ("GET", f"/platform/v1/ens-subscriptions-by-cb/{callback_id}", None),
        ("POST", "/platform/v1/ens-subscriptions",
         [{"subscriptionName": "b", "callbackId": callback_id,
           "eventCategoryTypes": ["EmailSent"]}]),
        ("GET", sub, None),
        ("DELETE", sub, None),
        ("PUT", "/platform/v1/ens-subscriptions",
         [{"subscriptionId": subscription_id, "status": "paused"}]),
    ]  # fmt: skip
    for method, path, body in calls:
        response = await service.http.request(method, path, headers=b.headers, json=body)
        assert response.status_code == 404, (method, path, response.text)
    assert (await service.http.get("/platform/v1/ens-callbacks", headers=b.headers)).json() == []
    assert (await service.http.get(cb, headers=a.headers)).status_code == 200  # untouched

    reader = await make_tenant(
        service,
        "reader",
        scopes="event_notification_callback_read event_notification_subscription_read",
    )
    for method, path, body in calls:
        response = await service.http.request(method, path, headers=reader.headers, json=body)
        read_only = method == "GET"
        assert response.status_code == (404 if read_only else 403), (method, path)


@pytest.mark.isolated
async def test_ssrf_refusals_at_registration_and_connect_time(
    database_url: str, clock: FakeClock
) -> None:
    async with running(settings_for(database_url), clock) as service:
        a = await make_tenant(service, "a")
        for url in (
            "http://example.com/hook",  # https only
            "https://127.0.0.1/hook",
            "https://10.1.2.3/hook",
            "https://169.254.169.254/latest/meta-data",  # cloud metadata
            "https://[::1]/hook",
            "https://[::ffff:127.0.0.1]/hook",
            "https://localhost/hook",  # a name that resolves to loopback
            "https://0.0.0.0/hook",
            "https://2130706433/hook",  # 127.0.0.1 written as one decimal number
            "https://0x7f000001/hook",  # … as hex
            "https://127.1/hook",  # … shortened
            "https://0177.0.0.1/hook",  # … with an octal first part
            "https://192.168.1.10/hook",
            "https://172.16.0.1/hook",
            "https://100.64.0.1/hook",  # carrier-grade NAT
            "https://[fd00::1]/hook",  # IPv6 unique local
            "https://[fe80::1]/hook",  # IPv6 link local
            "https://[::]/hook",
            # IPv6 addresses carrying a non-public IPv4 one (169.254.169.254, cloud metadata)
            "https://[64:ff9b::a9fe:a9fe]/hook",  # NAT64
            "https://[64:ff9b:1::a9fe:a9fe]/hook",  # local-use NAT64
            "https://[::a9fe:a9fe]/hook",  # IPv4-compatible
            "https://[::ffff:0:a9fe:a9fe]/hook",  # IPv4-translated (SIIT)
            "https://[2002:a9fe:a9fe::1]/hook",  # 6to4
            "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook",  # Teredo
            # Host names that are not valid IDNA (a resolver crash before)
            "https://a..b.com/hook",
            "https://.example.com/hook",
            "https://" + "a" * 70 + ".example.com/hook",
        ):
            response = await service.http.post(
                "/platform/v1/ens-callbacks",
                headers=a.headers,
                json=[{"callbackName": "x", "url": url}],
            )
            assert response.status_code == 400, url
            assert "not allowed" in response.json()["message"], url
        assert (
            await service.http.get("/platform/v1/ens-callbacks", headers=a.headers)
        ).json() == []

    # At connect time: the delivery client resolves through the guard, so a name that
    # resolves to a private address is refused when the POST is made, whatever it was before.
    async with receiver() as target:
        poster = client.Poster(allow_private=False)
        try:
            port = target.url.rsplit(":", 1)[1]
            reply = await poster.post(f"https://localhost:{port}/hook", b"[]", {}, timeout_s=2)
        finally:
            await poster.close()
    assert reply.error_class == "refused_address" and target.requests == []


class _Rebinding:
    """A resolver double whose answer changes after registration (DNS rebinding)."""

    def __init__(self, answer: str) -> None:
        self.answer = answer

    async def resolve(self, host: str, port: int = 0, family: int = 0) -> list[dict[str, Any]]:
        return [{"hostname": host, "host": self.answer, "port": port, "family": 2,
                 "proto": 0, "flags": 0}]  # fmt: skip

    async def close(self) -> None:
        return None


async def test_guarded_resolver_refuses_a_rebound_name() -> None:
    rebinding = _Rebinding("93.184.216.34")
    resolver = guard.GuardedResolver(rebinding)  # type: ignore[arg-type]
    assert (await resolver.resolve("hooks.example.com", 443))[0]["host"] == "93.184.216.34"
    rebinding.answer = "127.0.0.1"
    with pytest.raises(guard.Refused):
        await resolver.resolve("hooks.example.com", 443)
    assert not guard.is_public(ipaddress.ip_address("::ffff:10.0.0.1"))
    assert guard.is_public(ipaddress.ip_address("2606:4700::1111"))


@pytest.mark.isolated
async def test_connection_failures_are_classified() -> None:
    poster = client.Poster(allow_private=True)
    try:
        dns = await poster.post("http://no-such-host.invalid/hook", b"[]", {}, timeout_s=5)
        closed = await poster.post(
            f"http://127.0.0.1:{free_port()}/hook", b"[]", {}, timeout_s=5
        )  # nothing listens there
    finally:
        await poster.close()
    assert (dns.ok, dns.error_class) == (False, "dns")
    assert (closed.ok, closed.error_class) == (False, "connect")
