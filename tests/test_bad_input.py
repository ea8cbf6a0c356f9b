"""Malformed requests get the API's own answer, never a 500 (both databases); property-based
cases (any date, integer or host string) against a real ``serve``, whose keep-alive connection
keeps working after every error."""

from __future__ import annotations

import string
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Service, Tenant
from tests.receiver import Receiver, receiver_in_thread
from tests.server import Server, access_token, serving, verified_hook
from tests.webhooks import hook

SERVICE_SETTINGS = {"allow_private_callbacks": True}  # a verified callback on 127.0.0.1


async def test_nul_in_paths_and_queries_is_a_4xx(
    service: Service, tenants: tuple[Tenant, Tenant]
) -> None:
    a = tenants[0]
    for path in (
        "/platform/v1/ens-callbacks/%00",
        "/platform/v1/ens-subscriptions/a%00b",
        "/messaging/v1/email/definitions/%00",
        "/messaging/v1/email/messages/k%00",
        "/asset/v1/content/assets?customerKey=%00",
        "/api/v1/suppressions?address=a%00@b.io",
        "/api/v1/transactionals/%00.json",
    ):
        response = await service.http.get(path, headers=a.headers)
        assert response.status_code in (200, 400, 404, 422), (path, response.text)
        if "?" not in path:  # a lookup by an id or key with NUL finds nothing
            assert response.status_code in (400, 404), path
        assert response.headers["content-type"] == "application/json", path


_SFMC = {"message", "errorcode"}
# (route, credential kind, body shape for an answer to bad input)
_JSON_ROUTES = [
    ("/messaging/v1/email/messages/k1", "client", "sfmc"),
    ("/messaging/v1/email/messages", "client", "sfmc"),
    ("/messaging/v1/email/definitions", "client", "sfmc"),
    ("/asset/v1/content/assets", "client", "sfmc"),
    ("/platform/v1/ens-callbacks", "client", "sfmc"),
    ("/platform/v1/ens-subscriptions", "client", "sfmc"),
    ("/api/v1/transactionals.json", "token", "broadcast"),
    ("/api/v1/suppressions", "token", "broadcast"),
    ("/v2/token", None, "oauth"),
]
_BAD_BODIES = {
    "malformed JSON": b'{"to": ',
    "invalid UTF-8": b'{"to": "\xff\xfe"}',
    "a list, not an object": b"[1, 2]",
    "a bare string": b'"hello"',
    "wrong types": b'{"to": 5, "definitionKey": [], "recipient": "x", "subject": {}, "name": 1,'
    b' "address": false, "grant_type": 7}',
    "missing fields": b"{}",
    "unknown fields only": b'{"surprise": true}',
    "deeply nested": b'{"a":' * 200 + b"1" + b"}" * 200,
}


async def test_bad_bodies_get_the_api_s_own_4xx_everywhere(
    service: Service, tenants: tuple[Tenant, Tenant]
) -> None:
    a = tenants[0]
    for path, credential, shape in _JSON_ROUTES:
        headers = {"client": a.headers, "token": a.api_headers}.get(credential or "", {})
        for name, body in _BAD_BODIES.items():
            response = await service.http.post(
                path, headers=headers | {"Content-Type": "application/json"}, content=body
            )
            where = f"{name} to {path}: {response.status_code} {response.text[:200]}"
            assert 400 <= response.status_code < 500, where
            answer = response.json()
            if shape == "sfmc":
                assert set(answer) >= _SFMC, where
            elif shape == "broadcast":
                assert set(answer) in ({"errors"}, {"error"}), where
            else:
                assert "error" in answer, where


async def test_unicode_everywhere_round_trips(
    service: Service, tenants: tuple[Tenant, Tenant]
) -> None:
    a = tenants[0]
    text = "Grüße, 世界 — ✓ 🚀 \u202eRTL\u202c ﷽"
    created = await service.http.post(
        "/api/v1/transactionals.json",
        headers=a.api_headers,
        json={"to": "ünïcode@exämple.com", "recipient_name": text, "subject": text, "body": text},
    )
    assert created.status_code in (201, 422), created.text
    ascii_to = await service.http.post(
        "/api/v1/transactionals.json",
        headers=a.api_headers,
        json={"to": "ana@example.com", "recipient_name": text, "subject": text, "body": text},
    )
    assert ascii_to.status_code == 201, ascii_to.text
    message_id = ascii_to.json()["id"]
    shown = await service.http.get(
        f"/api/v1/transactionals/{message_id}.json", headers=a.api_headers
    )
    assert shown.json()["subject"] == text and shown.json()["recipient_name"] == text
    injected = await service.http.post(
        "/api/v1/transactionals.json",
        headers=a.api_headers,
        json={"to": "ana@example.com", "recipient_name": "Ana\r\nBcc: evil@example.com",
              "subject": "Hi\r\nX-Injected: 1", "body": "x"},
    )  # fmt: skip
    assert injected.status_code == 201, injected.text
    for field in ("recipient_name", "subject"):  # header values stay on one line
        assert "\r" not in injected.json()[field] and "\n" not in injected.json()[field]
    suppressed = await service.http.post(
        "/api/v1/suppressions", headers=a.api_headers, json={"address": "ÜBER@example.com"}
    )
    assert suppressed.status_code in (201, 422), suppressed.text


OUT_OF_RANGE_DATES = ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"]


async def _verified_callback(service: Service, tenant: Tenant, target: Receiver) -> str:
    callback_id, _ = await hook(service, tenant, target)
    return callback_id


@pytest.mark.parametrize("when", OUT_OF_RANGE_DATES)
async def test_dates_a_datetime_cannot_hold_in_utc_are_a_4xx(
    service: Service, tenants: tuple[Tenant, Tenant], target: Receiver, when: str
) -> None:
    a = tenants[0]
    for route in ("summary", "timeseries", "callbacks"):
        for field in ("from", "to"):
            response = await service.http.get(
                f"/api/v1/stats/{route}", params={field: when}, headers=a.headers
            )
            assert response.status_code == 400, (route, field, response.text)
            assert list(response.json()["errors"]) == [field]
    callback_id = await _verified_callback(service, a, target)
    for body in ({"from": when}, {"from": 0, "to": when}):
        response = await service.http.post(
            f"/platform/v1/ens-callbacks/{callback_id}/replay", headers=a.headers, json=body
        )
        assert response.status_code == 400, (body, response.text)
        assert set(response.json()) >= _SFMC


async def test_the_first_and_last_days_a_datetime_holds_are_answered(
    service: Service, tenants: tuple[Tenant, Tenant]
) -> None:
    a = tenants[0]
    for span in (
        {"from": "0001-01-01T00:00:00Z", "to": "0001-01-02T00:00:00Z"},
        {"from": "9999-12-30T23:59:59.999Z", "to": "9999-12-31T23:59:59.999Z"},
    ):
        response = await service.http.get(
            "/api/v1/stats/timeseries", params=span, headers=a.headers
        )
        assert response.status_code == 200, (span, response.text)
    before_year_1 = await service.http.get(
        "/api/v1/stats/summary", params={"to": "0001-01-01T01:00:00Z"}, headers=a.headers
    )  # the default range (24 h before "to") starts before year 1
    assert before_year_1.status_code == 400 and list(before_year_1.json()["errors"]) == ["from"]


@pytest.mark.parametrize(
    "value", ["9" * 25, "9223372036854775808", "0" * 30 + "1" + "0" * 19, "1" * 5000, "²", "-1"]
)
async def test_integers_a_bigint_cannot_hold_are_a_4xx(
    service: Service, tenants: tuple[Tenant, Tenant], value: str
) -> None:
    a = tenants[0]
    feed = {"type": "notSent"}  # httpx's params replace a query written in the path
    for path, name, extra in (
        ("/messaging/v1/email/messages", "lastEventId", feed),
        ("/messaging/v1/sms/messages", "lastEventId", feed),
        ("/messaging/v1/email/messages", "$pageSize", feed),
        ("/messaging/v1/email/definitions", "$page", {}),
        ("/api/v1/suppressions", "$pageSize", {}),
    ):
        response = await service.http.get(path, params={name: value, **extra}, headers=a.headers)
        assert response.status_code == 400, (path, name, response.text)
        assert name in response.text, response.text
    asset = await service.http.get(f"/asset/v1/content/assets/{value}", headers=a.headers)
    assert asset.status_code == 404, asset.text  # names no asset
    biggest = await service.http.get(
        "/messaging/v1/email/messages",
        params={"lastEventId": str(2**63 - 1), **feed},
        headers=a.headers,
    )
    assert biggest.status_code == 200 and biggest.json()["count"] == 0, biggest.text


# Property-based cases against a real ``serve``: one connection, reused after every error.

CLIENT_ID, SECRET = "bad-input-client", "bad-input-secret-0123456789abcdef"
API_TOKEN = "tdg_bad-input-token-0123456789abcdef"
PROPERTY = settings(
    max_examples=60,
    deadline=None,
    database=None,  # nothing written into the working tree
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


class Live:
    """A ``serve`` subprocess and one HTTP/1.1 connection to it, kept alive across requests."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.headers = access_token(server.base_url, CLIENT_ID, SECRET)
        self.api_headers = {"Authorization": f"Bearer {API_TOKEN}"}
        self.http = httpx.Client(
            base_url=server.base_url,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            timeout=10,
        )
        self.address: Any = None
        self.callback_id = ""  # a verified, subscribed callback, where there is one

    def answer(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The response; it came over the same connection as every earlier one."""
        response = self.http.request(method, path, **kwargs)
        stream = response.extensions["network_stream"]
        address = stream.get_extra_info("client_addr")
        assert self.address in (None, address), "the server closed the connection"
        self.address = address
        return response

    def after_error(self, response: httpx.Response, shape: str) -> None:
        """Never a 5xx; an error is in the API's shape; the connection still serves."""
        where = f"{response.request.url}: {response.status_code} {response.text[:300]}"
        assert response.status_code < 500, where
        if response.status_code >= 400:
            body = response.json()
            if shape == "sfmc":
                assert set(body) >= _SFMC, where
            else:
                assert set(body) in ({"errors"}, {"error"}), where
        fine = self.answer("GET", "platform/v1/ens-callbacks", headers=self.headers)
        assert fine.status_code == 200, fine.text


@pytest.fixture(scope="module")
def target_in_thread() -> Iterator[Receiver]:
    with receiver_in_thread() as target:
        yield target


def _env(tmp_path_factory: pytest.TempPathFactory, name: str, **extra: str) -> dict[str, str]:
    return {
        "DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp(name)}/live.db",
        "TIDINGS_BOOTSTRAP_CLIENT_ID": CLIENT_ID,
        "TIDINGS_BOOTSTRAP_CLIENT_SECRET": SECRET,
        "TIDINGS_BOOTSTRAP_API_TOKEN": API_TOKEN,
        **extra,
    }


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, target_in_thread: Receiver) -> Iterator[Live]:
    """Callbacks on 127.0.0.1 allowed: a verified one, subscribed, for replays."""
    env = _env(tmp_path_factory, "live", TIDINGS_ALLOW_PRIVATE_CALLBACKS="true")
    with serving(env) as server:
        started = Live(server)
        types = ["EmailSent", "EmailNotSent"]
        started.callback_id = verified_hook(
            server.base_url, started.headers, target_in_thread, types
        )
        try:
            yield started
        finally:
            started.http.close()


def _iso(moment: datetime, offset_minutes: int) -> str:
    return moment.replace(tzinfo=timezone(timedelta(minutes=offset_minutes))).isoformat()


DATES = st.one_of(
    st.builds(
        _iso,
        st.datetimes(min_value=datetime.min, max_value=datetime.max),
        st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1),
    ),
    st.sampled_from(OUT_OF_RANGE_DATES),
    st.from_regex(r"\d{1,5}-\d{1,2}-\d{1,2}(T\d{1,2}(:\d{2}){0,2}(\.\d{1,9})?)?"
                  r"(Z|[+-]\d{2}(:?\d{2})?)?", fullmatch=True),
    st.text(max_size=40),
)  # fmt: skip
INTEGERS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.text(alphabet=string.digits, min_size=18, max_size=5000),
    st.text(max_size=30),
)


@pytest.mark.slow
@PROPERTY
@given(when=DATES, field=st.sampled_from(["from", "to"]), route=st.sampled_from(
    ["summary", "timeseries", "callbacks"]))  # fmt: skip
def test_any_date_for_stats(live: Live, when: str, field: str, route: str) -> None:
    response = live.answer(
        "GET", f"api/v1/stats/{route}", params={field: when}, headers=live.headers
    )
    live.after_error(response, "broadcast")
    if response.status_code >= 400:  # naming the field, or "from" when its default is off
        assert response.status_code == 400 and set(response.json()["errors"]) <= {"from", "to"}


@pytest.mark.slow
@PROPERTY
@given(since=st.one_of(DATES, st.integers()), until=st.one_of(st.none(), DATES, st.integers()))
def test_any_date_for_replay(live: Live, since: Any, until: Any) -> None:
    body = {"from": since} if until is None else {"from": since, "to": until}
    response = live.answer(
        "POST",
        f"platform/v1/ens-callbacks/{live.callback_id}/replay",
        headers=live.headers,
        json=body,
    )
    live.after_error(response, "sfmc")


@pytest.mark.slow
@PROPERTY
@given(
    value=INTEGERS,
    where=st.sampled_from(
        [
            ("messaging/v1/email/messages", "lastEventId", "sfmc"),
            ("messaging/v1/email/messages", "$pageSize", "sfmc"),
            ("messaging/v1/email/definitions", "$page", "sfmc"),
            ("api/v1/suppressions", "$pageSize", "broadcast"),
            ("api/v1/stats/recent", "limit", "broadcast"),
            ("api/v1/transactionals.json", "per_page", "broadcast"),
        ]
    ),
)
def test_any_integer_parameter(live: Live, value: str, where: tuple[str, str, str]) -> None:
    path, name, shape = where
    headers = live.api_headers if path.startswith("api/") else live.headers
    extra = {"type": "notSent"} if path.startswith("messaging/v1/email/messages") else {}
    response = live.answer("GET", path, params={name: value, **extra}, headers=headers)
    live.after_error(response, shape)


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The SSRF guard on, as in production."""
    with serving(_env(tmp_path_factory, "guarded")) as server:
        started = Live(server)
        try:
            yield started
        finally:
            started.http.close()


HOSTS = st.one_of(
    st.text(max_size=80),
    st.lists(
        st.text(alphabet=string.ascii_lowercase + string.digits + "-_.", max_size=70),
        min_size=1,
        max_size=5,
    ).map(".".join),
    st.sampled_from(["a..b.com", ".example.com", "a" * 70 + ".com", "[64:ff9b::a9fe:a9fe]"]),
)


@pytest.mark.slow
@pytest.mark.isolated
@PROPERTY
@given(host=HOSTS)
def test_any_callback_host(guarded: Live, host: str) -> None:
    response = guarded.answer(
        "POST",
        "platform/v1/ens-callbacks",
        headers=guarded.headers,
        json=[{"callbackName": "x", "url": f"https://{host}/hook"}],
    )
    guarded.after_error(response, "sfmc")
    assert response.status_code >= 400, response.text  # nothing here is public and answering
