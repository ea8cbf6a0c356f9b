"""The webhook HTTP client: one shared aiohttp session, guarded against SSRF, no redirects.

Not httpx: its default transport spends about 2 ms of CPU per POST on this kind of machine,
twenty times aiohttp's cost (`python -m bench.webhook_client` measures it). Webhook delivery is
the hub's hot path, so it gets the client that is not the bottleneck. httpx stays for the SMS
gateway, where one POST per message is nowhere near that limit.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time

import aiohttp

from app.delivery import guard, policy

USER_AGENT = "Tidings-Webhooks/1.0"
EXCERPT_BYTES = 1024


@dataclasses.dataclass(frozen=True)
class Reply:
    """What one POST came to. ``error_class`` names the failure; None when it was accepted."""

    ok: bool
    latency_ms: int
    status: int | None = None
    error_class: str | None = None  # timeout, dns, tls, connect, reset, refused_address, …
    excerpt: str = ""
    retry_after_s: float | None = None

    @property
    def gone(self) -> bool:
        return self.status == 410


SUCCESS = range(200, 300)
SFMC_SUCCESS = range(200, 205)


class Poster:
    def __init__(self, *, allow_private: bool, concurrency: int = 100) -> None:
        self._allow_private = allow_private
        self._concurrency = concurrency
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=self._concurrency,
                resolver=None if self._allow_private else guard.GuardedResolver(),
                ttl_dns_cache=10,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": USER_AGENT},
                auto_decompress=False,
                skip_auto_headers=("Accept-Encoding",),
            )
        return self._session

    async def post(
        self,
        url: str,
        body: bytes,
        headers: dict[str, str],
        *,
        timeout_s: float,
        success: range = SUCCESS,
    ) -> Reply:
        started = time.perf_counter()

        def took() -> int:
            return int((time.perf_counter() - started) * 1000)

        try:
            guard.check_url(url, allow_private=self._allow_private)
            async with self._open().post(
                url,
                data=body,
                headers={"Content-Type": "application/json", **headers},
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=timeout_s),
            ) as response:
                excerpt = (await response.content.read(EXCERPT_BYTES)).decode("utf-8", "replace")
                status = response.status
                retry_after = response.headers.get("Retry-After")
        except guard.Refused as exc:
            return Reply(False, took(), error_class="refused_address", excerpt=str(exc))
        except (TimeoutError, aiohttp.ServerTimeoutError):
            return Reply(False, took(), error_class="timeout", excerpt=f"no answer in {timeout_s}s")
        except aiohttp.ClientError as exc:
            return Reply(False, took(), error_class=_classify(exc), excerpt=str(exc)[:300])
        except OSError as exc:
            return Reply(False, took(), error_class="connect", excerpt=str(exc)[:300])
        if status in success:
            return Reply(True, took(), status=status, excerpt=excerpt)
        error = "redirect" if 300 <= status < 400 else "http_status"
        wait = policy.parse_retry_after(retry_after) if status in (429, 503) else None
        return Reply(False, took(), status, error, excerpt, retry_after_s=wait)

    async def refusal(self, url: str) -> str | None:
        """Why ``url`` may not be called (a private or unresolvable address), or None."""
        try:
            await guard.check_resolves_public(url, allow_private=self._allow_private)
        except guard.Refused as exc:
            return str(exc)
        return None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
            await asyncio.sleep(0)  # let the connector's transports close


def _classify(exc: aiohttp.ClientError) -> str:
    if guard.describe(exc) is not None:
        return "refused_address"
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return "dns"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError | aiohttp.ClientSSLError):
        return "tls"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return "connect"
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientOSError):
        return "reset"
    if isinstance(exc, aiohttp.ClientPayloadError | aiohttp.ClientResponseError):
        return "bad_response"
    return "http_error"
