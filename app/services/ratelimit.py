"""Token-bucket rate limits per client, per account, and on the token endpoint.

``RateLimited`` becomes a 429 with ``Retry-After`` and the error body of the API that was
called (SFMC ``errorcode`` 50100, or Broadcast's ``{"error": …}``). Buckets live in this
process: with several processes each enforces its own share of the limit.
"""

from __future__ import annotations

import dataclasses
import math
from collections import OrderedDict

from app import clock
from app.errors import RateLimited
from app.services.auth import Principal
from app.settings import Rate, Settings

_MAX_BUCKETS = 100_000


class Buckets:
    """Token buckets by key: ``rate`` = (capacity, refill period in seconds)."""

    def __init__(self, what: str, rate: Rate | None, *, now: clock.Clock = clock.now_ms) -> None:
        self.what = what
        self.rate = rate
        self._now = now
        self._buckets: OrderedDict[str, tuple[float, int]] = OrderedDict()  # tokens, at_ms

    def take(self, key: str) -> None:
        """One token for ``key``, or ``RateLimited`` with the seconds until one is back."""
        if self.rate is None:
            return
        capacity, period_s = self.rate
        per_ms = capacity / (period_s * 1000)
        now = self._now()
        tokens, at = self._buckets.pop(key, (float(capacity), now))
        tokens = min(float(capacity), tokens + (now - at) * per_ms)
        if tokens < 1:
            self._remember(key, tokens, now)
            raise RateLimited(self.what, max(1, math.ceil((1 - tokens) / per_ms / 1000)))
        self._remember(key, tokens - 1, now)

    def _remember(self, key: str, tokens: float, now: int) -> None:
        self._buckets[key] = (tokens, now)
        if len(self._buckets) > _MAX_BUCKETS:  # the least recently used goes (full, likely)
            self._buckets.popitem(last=False)


@dataclasses.dataclass(frozen=True)
class Limits:
    client: Buckets
    account: Buckets
    token_client: Buckets
    token_address: Buckets

    @classmethod
    def of(cls, settings: Settings, now: clock.Clock) -> Limits:
        return cls(
            client=Buckets("client", settings.rate_limit_client, now=now),
            account=Buckets("account", settings.rate_limit_account, now=now),
            token_client=Buckets("client_id", settings.rate_limit_token_client, now=now),
            token_address=Buckets("address", settings.rate_limit_token_address, now=now),
        )

    def request(self, principal: Principal) -> None:
        """An authenticated API request: one token from its client's and its account's bucket."""
        self.client.take(principal.client_id or principal.token_id or "")
        self.account.take(str(principal.account_id))

    def token_request(self, client_id: object, address: str) -> None:
        """A token request, before its secret is checked: brute force runs into this."""
        self.token_address.take(address)
        if isinstance(client_id, str):
            self.token_client.take(client_id)
