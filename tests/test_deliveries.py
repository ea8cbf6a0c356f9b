"""The deliveries log: attempt filters, one attempt as sent and answered, batch replay, dryRun."""

from __future__ import annotations

from typing import Any

import pytest
import standardwebhooks

from app.storage import outbox
from tests.conftest import FakeClock, Service, Tenant, make_tenant
from tests.receiver import Receiver
from tests.webhooks import deliver, hook, pump, register, send_email

SERVICE_SETTINGS = {"allow_private_callbacks": True, "webhook_timeout_s": 0.5}
_CB = "/platform/v1/ens-callbacks/"


async def _get(service: Service, tenant: Tenant, path: str, **params: Any) -> Any:
    answer = await service.http.get(_CB + path, headers=tenant.headers, params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def _failed_then_delivered(
    service: Service, tenant: Tenant, target: Receiver, clock: FakeClock
) -> tuple[str, str]:
    """A callback whose first POST got a 500 (a hostile body) and whose retry got a 200:
    (callbackId, signatureKey)."""
    callback_id, key = await hook(service, tenant, target)
    target.answers = [(500, '<script>alert("x")</script> oops')]
    await send_email(service, tenant, "k-1")
    await pump(service)
    clock.advance(10)
    await deliver(service, target, events=2)  # the one event, in the failed POST and the retry
    return callback_id, key


async def test_attempts_filter_by_status_class_ok_and_time(
    service: Service, tenant: Tenant, target: Receiver, clock: FakeClock
) -> None:
    callback_id, _key = await _failed_then_delivered(service, tenant, target, clock)
    every = await _get(service, tenant, f"{callback_id}/attempts")
    assert [a["statusCode"] for a in every["attempts"]] == [200, 500]
    failed = await _get(service, tenant, f"{callback_id}/attempts", statusCode="5xx")
    assert [a["statusCode"] for a in failed["attempts"]] == [500]
    assert (await _get(service, tenant, f"{callback_id}/attempts", statusCode="500"))["count"] == 1
    assert (await _get(service, tenant, f"{callback_id}/attempts", statusCode="none"))["count"] == 0
    assert (await _get(service, tenant, f"{callback_id}/attempts", ok="true"))["count"] == 1
    by_class = await _get(service, tenant, f"{callback_id}/attempts", errorClass="http_status")
    assert [a["statusCode"] for a in by_class["attempts"]] == [500]
    later = await _get(service, tenant, f"{callback_id}/attempts", **{"from": str(clock.ms - 5000)})
    assert [a["statusCode"] for a in later["attempts"]] == [200]
    earlier = await _get(service, tenant, f"{callback_id}/attempts", to=str(clock.ms - 5000))
    assert [a["statusCode"] for a in earlier["attempts"]] == [500]


async def test_an_attempt_shows_the_request_as_sent_and_the_answer(
    service: Service, tenant: Tenant, target: Receiver, clock: FakeClock
) -> None:
    callback_id, key = await _failed_then_delivered(service, tenant, target, clock)
    [ok, failed] = (await _get(service, tenant, f"{callback_id}/attempts"))["attempts"]
    shown = await _get(service, tenant, f"{callback_id}/attempts/{failed['attemptId']}")
    assert shown["response"] == {"statusCode": 500, "excerpt": '<script>alert("x")</script> oops'}
    request = shown["request"]
    sent = target.batches[0]
    assert request["url"] == target.url + "/hook" and request["method"] == "POST"
    assert request["body"].encode() == sent.body  # rendered again, byte for byte
    for name in ("webhook-id", "webhook-timestamp", "webhook-signature", "x-sfmc-ens-signature"):
        assert request["headers"][name] == sent.headers[name]
    assert key not in str(shown)  # never the signing key
    # What is shown verifies with a Standard Webhooks library, as the request did.
    standardwebhooks.Webhook("whsec_" + key).verify(request["body"], request["headers"])
    assert ok["attemptId"] != failed["attemptId"]


async def test_replaying_a_batch_sends_its_events_again_in_a_new_batch(
    service: Service, tenant: Tenant, target: Receiver, clock: FakeClock
) -> None:
    callback_id, _key = await _failed_then_delivered(service, tenant, target, clock)
    [ok, _] = (await _get(service, tenant, f"{callback_id}/attempts"))["attempts"]
    first = target.events()
    answer = await service.http.post(
        f"{_CB}{callback_id}/attempts/{ok['attemptId']}/replay", headers=tenant.headers
    )
    assert answer.status_code == 202, answer.text
    assert answer.json() == {"callbackId": callback_id, "attemptId": ok["attemptId"], "queued": 1}
    again = await deliver(service, target, events=3)
    assert again[-1]["eventId"] == first[-1]["eventId"]
    assert target.batches[-1].headers["webhook-id"] != target.batches[-2].headers["webhook-id"]


async def test_a_dry_run_replay_counts_and_queues_nothing(
    service: Service, tenant: Tenant, target: Receiver, clock: FakeClock
) -> None:
    callback_id, _key = await _failed_then_delivered(service, tenant, target, clock)
    before = await service.db.fetch_val("SELECT COUNT(*) FROM outbox")
    body = {"from": clock.ms - 3_600_000, "dryRun": True}
    answer = await service.http.post(
        f"{_CB}{callback_id}/replay", headers=tenant.headers, json=body
    )
    assert answer.status_code == 202, answer.text
    assert answer.json()["queued"] == 1 and answer.json()["dryRun"] is True
    assert await service.db.fetch_val("SELECT COUNT(*) FROM outbox") == before
    assert await outbox.callbacks_with_unbatched(service.db) == []


@pytest.mark.parametrize(
    "query",
    [{"statusCode": "abc"}, {"statusCode": "6xx"}, {"ok": "maybe"}, {"from": "yesterday"},
     {"to": "9" * 30}, {"from": "²"}, {"to": "-5"}, {"errorClass": "x" * 101}],
)  # fmt: skip
async def test_bad_filters_are_400s_in_sfmc_shape(
    service: Service, tenant: Tenant, target: Receiver, query: dict[str, str]
) -> None:
    callback_id, _ = await hook(service, tenant, target)
    answer = await service.http.get(
        f"{_CB}{callback_id}/attempts", headers=tenant.headers, params=query
    )
    assert answer.status_code == 400, answer.text
    assert {"message", "errorcode", "documentation"} <= answer.json().keys()


async def test_attempts_of_another_callback_or_account_are_not_found(
    service: Service, tenant: Tenant, target: Receiver, clock: FakeClock
) -> None:
    callback_id, _key = await _failed_then_delivered(service, tenant, target, clock)
    [ok, _] = (await _get(service, tenant, f"{callback_id}/attempts"))["attempts"]
    other, _ = await register(service, tenant, target, "/other")
    b = await make_tenant(service, "b")
    for headers, cb in ((tenant.headers, other), (b.headers, callback_id)):
        path = f"{_CB}{cb}/attempts/{ok['attemptId']}"
        assert (await service.http.get(path, headers=headers)).status_code == 404
        assert (await service.http.post(path + "/replay", headers=headers)).status_code == 404
    bad = await service.http.get(f"{_CB}{callback_id}/attempts/x1", headers=tenant.headers)
    assert bad.status_code == 400 and bad.json()["errorcode"] == 10005
