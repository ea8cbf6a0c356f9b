"""SSRF guard: callback URLs must be https and resolve only to public addresses.

Checked when a callback is registered and again at every connection: the resolver below is
the one the delivery client connects through, so the address checked is the address used
(a DNS answer that changes to 127.0.0.1 after registration is refused at connect time).
``TIDINGS_ALLOW_PRIVATE_CALLBACKS=true`` turns the guard off (and allows http) for development.

IPv6 addresses that carry an IPv4 address (NAT64, 6to4, IPv4-compatible, IPv4-translated,
IPv4-mapped) are judged by the IPv4 address inside: a translator or relay on the way would
deliver the packet there. Teredo and the local-use NAT64 prefix are refused outright (see
``_ALWAYS_REFUSED``).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any
from urllib.parse import SplitResult, urlsplit

import aiohttp
import idna
from aiohttp.abc import AbstractResolver, ResolveResult

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(OSError):
    """The URL or an address it resolves to is not allowed."""


# The IPv4 address is the last 32 bits: NAT64's well-known prefix (RFC 6052), IPv4-compatible
# (deprecated, RFC 4291) and IPv4-translated (SIIT, RFC 2765). IPv4-mapped is ``ipv4_mapped``.
_LAST_32_BITS = tuple(
    ipaddress.IPv6Network(net) for net in ("64:ff9b::/96", "::/96", "::ffff:0:0:0/96")
)
# Teredo (2001::/32, RFC 4380): the packet goes through whichever Teredo relay the network
# picks, to a client behind a NAT; no webhook receiver is served from one, so checking the two
# IPv4 addresses inside would only add ways to be wrong. The local-use NAT64 prefix
# (64:ff9b:1::/48, RFC 8215) places the IPv4 address by a prefix length the address does not
# tell, and translates into the local network.
_ALWAYS_REFUSED = tuple(ipaddress.IPv6Network(net) for net in ("2001::/32", "64:ff9b:1::/48"))


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address a translator or tunnel would deliver an IPv6 packet to, if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:  # 2002::/16, the IPv4 address in bits 16-47
        return address.sixtofour
    if any(address in net for net in _LAST_32_BITS):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: Address) -> bool:
    """Globally routable unicast: not private, loopback, link-local (metadata), reserved…;
    an IPv6 address carrying an IPv4 one is judged by the IPv4 one."""
    if isinstance(address, ipaddress.IPv6Address):
        if any(address in net for net in _ALWAYS_REFUSED):
            return False
        address = embedded_ipv4(address) or address
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
    if literal is None:
        ascii_host(parts.hostname)
    elif not allow_private and not is_public(literal):
        raise Refused(f"{literal} is not a public address")
    return parts


def ascii_host(host: str) -> str:
    """The name as the resolver gets it: international names through IDNA 2008 (UTS 46, as
    the delivery client encodes them), ASCII ones through the codec ``getaddrinfo`` applies
    (which allows ``_``); an empty or over-long label is refused, not a resolver crash."""
    try:
        if host.isascii():
            host.encode("idna")
            return host
        return idna.encode(host, uts46=True).decode("ascii")
    except UnicodeError as exc:  # idna.IDNAError is one too
        raise Refused(f"{host!r} is not a valid host name ({exc})") from None


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
            ascii_host(host), parts.port or 443, type=socket.SOCK_STREAM
        )
    except socket.gaierror as exc:
        raise Refused(f"{host} does not resolve: {exc.strerror}") from exc
    except UnicodeError as exc:
        raise Refused(f"{host!r} is not a valid host name ({exc})") from exc
    check_addresses(host, [str(info[4][0]) for info in infos])


class GuardedResolver(AbstractResolver):
    """aiohttp's resolver, refusing names that resolve to any non-public address."""

    def __init__(self, inner: AbstractResolver | None = None) -> None:
        self._inner = inner or aiohttp.ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        try:
            found = await self._inner.resolve(host, port, family)
        except UnicodeError as exc:  # getaddrinfo's IDNA codec: an empty or over-long label
            raise Refused(f"{host!r} is not a valid host name ({exc})") from exc
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
