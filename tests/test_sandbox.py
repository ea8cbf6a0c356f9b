"""Sandbox reserved recipients: status API, NotSent feed, webhooks and stats tell one story."""

from __future__ import annotations

from typing import Any

from app.providers.sandbox import (
    EMAIL_DOMAIN,
    SMS_ACCEPT,
    SMS_BOUNCE,
    SMS_DEFER,
    SMS_DELIVER,
    SMS_ENROUTE,
    SMS_REJECT,
)
from tests.conftest import FakeClock, Service, Tenant, make_tenant
from tests.receiver import Receiver
from tests.sending import email_definition, recipient, settle, sms_definition
from tests.webhooks import ALL_EMAIL, deliver, hook

SERVICE_SETTINGS = {"allow_private_callbacks": True, "send_retry_window_s": 60}
ALL_SMS = [
    f"TransactionalSendEvents.Sms{kind}"
    for kind in ("Sent", "NotSent", "Bounced", "Delivered", "Transient")
]

# recipient → (status API category, NotSent statusCode, bounce fields, webhook event types).
# A NotSent status is in the NotSent feed with the same code; the rest are not.
RESERVED: dict[str, tuple[str, int | None, dict[str, str] | None, list[str]]] = {
    "ok@example.com": ("EmailSent", None, None, ["EmailSent"]),
    f"bounce@{EMAIL_DOMAIN}": (
        "EmailNotSent", 5, {"bounceCode": "HARD", "smtpReason": "5.1.1"}, ["EmailBounced"]
    ),
    f"softbounce@{EMAIL_DOMAIN}": (
        "EmailSent", None, {"bounceCode": "SOFT", "smtpReason": "4.2.2"},
        ["EmailSent", "EmailBounced"],
    ),
    f"reject@{EMAIL_DOMAIN}": ("EmailNotSent", 100, None, ["EmailNotSent"]),
    f"defer@{EMAIL_DOMAIN}": ("EmailNotSent", 15, None, ["EmailNotSent"]),
    "15555550123": ("SMSSent", None, None, ["SmsSent"]),
    SMS_BOUNCE: (
        "SMSSent", None, {"statusCode": "4500", "statusMessage": "Undeliverable"},
        ["SmsSent", "SmsBounced"],
    ),
    SMS_ACCEPT: ("SMSSent", None, None, ["SmsSent"]),
    SMS_DELIVER: ("SMSSent", None, None, ["SmsSent", "SmsDelivered"]),
    SMS_ENROUTE: ("SMSSent", None, None, ["SmsSent", "SmsTransient"]),
    SMS_REJECT: ("SMSNotSent", 100, None, ["SmsNotSent"]),
    SMS_DEFER: ("SMSNotSent", 15, None, ["SmsNotSent"]),
}  # fmt: skip


async def _one_story(service: Service, target: Receiver, clock: FakeClock, n: int, to: str) -> None:
    category, code, bounce, hooked = RESERVED[to]
    channel = "sms" if to.isdigit() else "email"
    tenant = await make_tenant(service, f"t{n}")
    if channel == "sms":
        await sms_definition(service, tenant)
        body: dict[str, Any] = {
            "definitionKey": "otp",
            "recipient": {"to": to, "attributes": {"Code": "1"}},
        }
    else:
        await email_definition(service, tenant)
        body = {"definitionKey": "order-confirm", "recipient": recipient(to)}
    await hook(
        service, tenant, target, path=f"/hook-{n}", types=ALL_SMS if channel == "sms" else ALL_EMAIL
    )
    key = f"case-{n}"
    before = len(target.events())  # the background dispatcher may deliver before settle returns
    sent = await service.http.post(
        f"/messaging/v1/{channel}/messages/{key}", headers=tenant.headers, json=body
    )
    assert sent.status_code == 202, sent.text
    await settle(service, tenant.account_id, channel, key, clock=clock)
    await deliver(service, target, events=before + len(hooked))
    hooks = [e for e in target.events() if e["info"]["messageKey"] == key]
    status = await _get(service, tenant, f"/messaging/v1/{channel}/messages/{key}")
    feed = await _get(service, tenant, f"/messaging/v1/{channel}/messages/?type=notSent")
    summary = await _get(service, tenant, "/api/v1/stats/summary")

    where = f"{to}: {status}"
    kinds = [e["eventCategoryType"].rpartition(".")[2] for e in hooks]
    assert sorted(kinds) == sorted(hooked), where  # batches may arrive in any order
    assert status["eventCategoryType"].rpartition(".")[2] == category, where
    info = status["info"]
    if code is None:
        assert "statusCode" not in info and feed["messages"] == [], where
    else:
        assert info["statusCode"] == code and info["reason"], where
        [listed] = feed["messages"]
        assert (listed["statusCode"], listed["statusMessage"]) == (code, info["statusMessage"])
        assert listed["info"]["messageKey"] == key and listed["info"]["reason"] == info["reason"]
    if bounce is None:
        assert "bounced" not in info, where
    else:
        assert info["bounced"] is True and info["bounce"].items() >= bounce.items(), where
        [bounced] = [e for e in hooks if e["eventCategoryType"].endswith("Bounced")]
        assert bounced["info"].items() >= bounce.items(), where
    counts = summary["byChannel"][channel]
    for kind in ("Sent", "NotSent", "Bounced"):
        expected = sum(t.removeprefix("Email").removeprefix("Sms") == kind for t in hooked)
        assert counts[kind] == expected, (where, summary)
    if channel == "email" and bounce is not None:
        hard = bounce["bounceCode"] == "HARD"
        assert summary["bounced"] == {"total": 1, "hard": int(hard), "soft": int(not hard)}
    if channel == "sms" and category == "SMSSent":
        assert info["providerId"].startswith("SM-"), where  # for receipts that name it


async def _get(service: Service, tenant: Tenant, path: str) -> Any:
    response = await service.http.get(path, headers=tenant.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_every_reserved_recipient_tells_one_story(
    service: Service, target: Receiver, clock: FakeClock
) -> None:
    for n, to in enumerate(RESERVED):
        await _one_story(service, target, clock, n, to)
