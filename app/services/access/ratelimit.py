"""Token-bucket rate limits per client, per account, and wherever a client secret is checked.

``RateLimited`` becomes a 429 with ``Retry-After`` and the error body of the API that was
called (SFMC ``errorcode`` 50100, or Broadcast's ``{"error": …}``). Buckets live in this
process: with several processes each enforces its own share of the limit.

Guessing a client secret is throttled where the guesser is: every attempt takes from its
address's bucket, and a wrong secret from the (address, client_id) pair's. Nothing counts
failures per client_id across addresses, since that would let anyone lock a client out by
guessing wrong on purpose. What bounds a guesser spread over many addresses is the secret
itself: generated secrets carry 256 bits and configured ones must be 32 characters or more
(192 bits when random), so a million addresses at 60 guesses a minute each would still need
about 10^50 minutes to expect a hit.
"""

from __future__ import annotations

import dataclasses
import math
from collections import OrderedDict

from app import clock
from app.errors import RateLimited
from app.services.access.auth import Principal
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
        self._settle(key, cost=1)

    def check(self, key: str) -> None:
        """``RateLimited`` when ``key`` has no token left; takes none."""
        if key in self._buckets:  # an unknown key is a full bucket: nothing to remember
            self._settle(key, cost=0)

    def _settle(self, key: str, *, cost: int) -> None:
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
        self._remember(key, tokens - cost, now)

    def _remember(self, key: str, tokens: float, now: int) -> None:
        self._buckets[key] = (tokens, now)
        if len(self._buckets) > _MAX_BUCKETS:  # the least recently used goes (full, likely)
            self._buckets.popitem(last=False)


@dataclasses.dataclass(frozen=True)
class Limits:
    client: Buckets
    account: Buckets
    secret_failures: Buckets  # wrong secrets per (address, client_id)
    token_address: Buckets

    @classmethod
    def of(cls, settings: Settings, now: clock.Clock) -> Limits:
        return cls(
            client=Buckets("client", settings.rate_limit_client, now=now),
            account=Buckets("account", settings.rate_limit_account, now=now),
            secret_failures=Buckets(
                "client_id from this address", settings.rate_limit_token_client, now=now
            ),
            token_address=Buckets("address", settings.rate_limit_token_address, now=now),
        )

    def request(self, principal: Principal) -> None:
        """An authenticated API request: one token from its client's and its account's bucket."""
        self.client.take(principal.client_id or principal.token_id or "")
        self.account.take(str(principal.account_id))

    def before_secret(self, client_id: object, address: str) -> None:
        """Before a client secret is checked: one token from the address's bucket, and a
        refusal when this address has guessed wrong for this client_id too often."""
        self.token_address.take(address)
        if isinstance(client_id, str):
            self.secret_failures.check(_pair(address, client_id))

    def wrong_secret(self, client_id: object, address: str) -> None:
        """A failed secret counts against the address and client_id pair that sent it."""
        if isinstance(client_id, str):
            self.secret_failures.take(_pair(address, client_id))


def _pair(address: str, client_id: str) -> str:
    return f"{address} {client_id}"  # a space never occurs in an address
