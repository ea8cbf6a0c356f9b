"""SSRF guard: callback URLs must be https and resolve only to public addresses.

Checked when a callback is registered and again at every connection: the resolver below is
the one the delivery client connects through, so the address checked is the address used
(a DNS answer that changes to 127.0.0.1 after registration is refused at connect time).
``TIDINGS_ALLOW_PRIVATE_CALLBACKS=true`` turns the guard off (and allows http) for development.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any
from urllib.parse import SplitResult, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(OSError):
    """The URL or an address it resolves to is not allowed."""


def is_public(address: Address) -> bool:
    """Globally routable unicast: not private, loopback, link-local (metadata), reserved…"""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def check_url(url: str, *, allow_private: bool) -> SplitResult:
    """Shape and scheme; an IP-literal host is checked here, a name when it is resolved."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port, like the hostname check below
    except ValueError as exc:
        raise Refused(f"not a valid URL: {exc}") from None
    allowed = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in allowed or not parts.hostname:
        raise Refused(f"callback URLs must be {' or '.join(allowed)}://host[/path]")
    if parts.fragment:
        raise Refused("callback URLs cannot have a #fragment")
    literal = _literal(parts.hostname)
    if literal is not None and not allow_private and not is_public(literal):
        raise Refused(f"{literal} is not a public address")
    return parts


def check_addresses(host: str, addresses: list[str]) -> None:
    refused = [a for a in addresses if not is_public(ipaddress.ip_address(a.split("%")[0]))]
    if refused:
        raise Refused(f"{host} resolves to a non-public address ({', '.join(refused)})")


async def check_resolves_public(url: str, *, allow_private: bool) -> None:
    """At registration: the URL is allowed and its name resolves only to public addresses."""
    parts = check_url(url, allow_private=allow_private)
    host = parts.hostname or ""
    if allow_private or _literal(host) is not None:
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            host, parts.port or 443, type=socket.SOCK_STREAM
        )
    except socket.gaierror as exc:
        raise Refused(f"{host} does not resolve: {exc.strerror}") from exc
    check_addresses(host, [str(info[4][0]) for info in infos])


class GuardedResolver(AbstractResolver):
    """aiohttp's resolver, refusing names that resolve to any non-public address."""

    def __init__(self, inner: AbstractResolver | None = None) -> None:
        self._inner = inner or aiohttp.ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        check_addresses(host, [str(entry["host"]) for entry in found])
        return found

    async def close(self) -> None:
        await self._inner.close()


def describe(exc: BaseException) -> Any:
    """The Refused behind an aiohttp connector error, if that is what it was."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, Refused):
            return cause
        cause = getattr(cause, "os_error", None) or cause.__cause__
    return None
