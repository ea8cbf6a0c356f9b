"""The SSRF guard's pure rules: which addresses are public, which host names are valid."""

from __future__ import annotations

import ipaddress
import re

import pytest

from app.delivery import guard


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:4700::1111", True),
        ("169.254.169.254", False),
        ("::ffff:169.254.169.254", False),  # IPv4-mapped
        ("::ffff:93.184.216.34", True),
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 well-known prefix: 169.254.169.254
        ("64:ff9b::7f00:1", False),  # … 127.0.0.1
        ("64:ff9b::a00:1", False),  # … 10.0.0.1
        ("64:ff9b::5db8:d822", True),  # … 93.184.216.34
        ("64:ff9b:1::a9fe:a9fe", False),  # local-use NAT64 prefix: refused outright
        ("64:ff9b:1:ffff::5db8:d822", False),
        ("::a9fe:a9fe", False),  # IPv4-compatible
        ("::7f00:1", False),
        ("::5db8:d822", True),
        ("::ffff:0:a9fe:a9fe", False),  # IPv4-translated (SIIT)
        ("::ffff:0:c0a8:101", False),  # … 192.168.1.1
        ("::ffff:0:5db8:d822", True),
        ("2002:a9fe:a9fe::1", False),  # 6to4: 169.254.169.254
        ("2002:7f00:1::1", False),  # … 127.0.0.1
        ("2002:5db8:d822::1", True),  # … 93.184.216.34
        ("2001::1", False),  # Teredo: refused outright
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),  # public server, public client
        ("2001:0:5db8:d822::1", False),
        ("::1", False),
        ("::", False),
        ("fd00::1", False),
        ("fe80::1", False),
        ("ff02::1", False),
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    assert guard.is_public(ipaddress.ip_address(address)) is public


@pytest.mark.parametrize(
    ("address", "inside"),
    [
        ("64:ff9b::a9fe:a9fe", "169.254.169.254"),
        ("::a9fe:a9fe", "169.254.169.254"),
        ("::ffff:0:a9fe:a9fe", "169.254.169.254"),
        ("::ffff:a9fe:a9fe", "169.254.169.254"),
        ("2002:a9fe:a9fe::1", "169.254.169.254"),
        ("2606:4700::1111", None),
    ],
)
def test_embedded_ipv4(address: str, inside: str | None) -> None:
    found = guard.embedded_ipv4(ipaddress.IPv6Address(address))
    assert (None if found is None else str(found)) == inside


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://hooks.example.com/x", True),
        ("https://hooks.example.com./x", True),  # a fully qualified name
        ("https://bücher.example/x", True),  # international, IDNA 2008
        ("https://my_service.example.com/x", True),  # DNS allows "_"; so does getaddrinfo
        ("https://a..b.com/x", False),
        ("https://.example.com/x", False),
        ("https://" + "a" * 70 + ".com/x", False),
        ("https://☃.net/x", False),  # not a valid IDNA 2008 label
        ("https://[64:ff9b::a9fe:a9fe]/x", False),
        ("https://[2002:a9fe:a9fe::1]/x", False),
        ("https://[2001::1]/x", False),
    ],
)
def test_check_url(url: str, allowed: bool) -> None:
    if allowed:
        guard.check_url(url, allow_private=False)
    else:
        with pytest.raises(guard.Refused):
            guard.check_url(url, allow_private=False)


async def test_unicode_errors_from_the_resolver_are_refusals() -> None:
    class Crashing:
        async def resolve(self, host: str, port: int = 0, family: int = 0) -> list[object]:
            "".join(["x" * 64, ".com"]).encode("idna")
            return []

        async def close(self) -> None:
            return None

    resolver = guard.GuardedResolver(Crashing())  # type: ignore[arg-type]
    with pytest.raises(guard.Refused, match="not a valid host name"):
        await resolver.resolve("x" * 64 + ".com", 443)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("10.0.0.1", False),
        ("172.16.0.1", False),
        ("172.31.255.255", False),
        ("172.32.0.1", True),  # just outside 172.16.0.0/12
        ("192.168.1.1", False),
        ("127.0.0.1", False),
        ("127.255.255.254", False),
        ("100.64.0.1", False),  # carrier-grade NAT
        ("198.18.0.1", False),  # benchmarking
        ("192.0.2.1", False),  # documentation
        ("0.0.0.0", False),
        ("255.255.255.255", False),
        ("224.0.0.1", False),  # multicast
        ("239.255.255.250", False),
        ("2001:db8::1", False),  # documentation
        ("2001:4860:4860::8888", True),
    ],
)
def test_ipv4_and_plain_ipv6_ranges(address: str, public: bool) -> None:
    assert guard.is_public(ipaddress.ip_address(address)) is public


@pytest.mark.parametrize(
    ("url", "allow_private", "says"),
    [
        ("http://hooks.example.com/x", False, "must be https"),
        ("ftp://hooks.example.com/x", True, "must be https or http"),
        ("https:///x", False, "must be https"),  # no host
        ("hooks.example.com/x", False, "must be https"),
        ("https://hooks.example.com/x#top", False, "#fragment"),
        ("https://hooks.example.com:99999/x", False, "not a valid URL"),
        ("https://hooks.example.com:port/x", False, "not a valid URL"),
        ("https://127.0.0.1/x", False, "not a public address"),
        ("https://10.1.2.3:8443/x", False, "not a public address"),
        ("https://[::1]/x", False, "not a public address"),
        ("https://[::ffff:127.0.0.1]/x", False, "not a public address"),
        ("https://169.254.169.254/latest/meta-data", False, "not a public address"),
    ],
)
def test_check_url_refusals(url: str, allow_private: bool, says: str) -> None:
    with pytest.raises(guard.Refused, match=says):
        guard.check_url(url, allow_private=allow_private)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080/hook", "https://[::1]/x", "http://localhost/x", "https://10.0.0.1/x"],
)
def test_allow_private_lets_local_receivers_through(url: str) -> None:
    guard.check_url(url, allow_private=True)


@pytest.mark.parametrize(
    ("addresses", "refused"),
    [
        (["93.184.216.34"], None),
        (["93.184.216.34", "2606:4700::1111"], None),
        (["93.184.216.34", "127.0.0.1"], "127.0.0.1"),  # one private answer is enough
        (["fe80::1%eth0"], "fe80::1%eth0"),  # a scoped address is judged without its scope
        (["10.0.0.1", "192.168.0.1"], "10.0.0.1, 192.168.0.1"),
    ],
)
def test_every_resolved_address_must_be_public(addresses: list[str], refused: str | None) -> None:
    if refused is None:
        guard.check_addresses("hooks.example.com", addresses)
    else:
        with pytest.raises(guard.Refused, match=re.escape(f"non-public address ({refused})")):
            guard.check_addresses("hooks.example.com", addresses)


@pytest.mark.parametrize(
    ("answer", "allowed"),
    [(["93.184.216.34"], True), (["93.184.216.34", "169.254.169.254"], False)],
)
async def test_the_connecting_resolver_checks_what_it_resolved(
    answer: list[str], allowed: bool
) -> None:
    class Fixed:
        async def resolve(self, host: str, port: int = 0, family: int = 0) -> list[object]:
            return [{"hostname": host, "host": a, "port": port} for a in answer]

        async def close(self) -> None:
            return None

    resolver = guard.GuardedResolver(Fixed())  # type: ignore[arg-type]
    if allowed:
        assert [r["host"] for r in await resolver.resolve("rebind.example.com", 443)] == answer
    else:
        with pytest.raises(guard.Refused, match=re.escape("169.254.169.254")):
            await resolver.resolve("rebind.example.com", 443)


def test_describe_finds_the_refusal_behind_a_connector_error() -> None:
    refused = guard.Refused("10.0.0.1 is not a public address")
    wrapped = OSError("connect failed")
    wrapped.os_error = refused  # type: ignore[attr-defined]  # as aiohttp's connector errors
    chained = RuntimeError("outer")
    chained.__cause__ = wrapped
    assert guard.describe(chained) is refused
    assert guard.describe(RuntimeError("unrelated")) is None
