"""The SSRF guard's pure rules: which addresses are public, which host names are valid."""

from __future__ import annotations

import ipaddress

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
