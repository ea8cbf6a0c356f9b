"""Authentication: OAuth2 client-credentials tokens (HS256 JWTs via PyJWT) and API-token lookup.

Validating a bearer token costs no database round trip: access tokens carry their claims and
a signature, and what can change about their client (revocation, its account) is cached for a
few seconds, as are API-token lookups. Revoking therefore takes effect within ``cache_ttl_s``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import secrets
from typing import Any

import jwt

from app import clock
from app.errors import OAuthError, Unauthenticated
from app.services.access import credentials
from app.services.access import scopes as scope_rules
from app.storage import api_tokens, clients, server_keys
from app.storage.db import Db
from app.wire.token import TokenIn

EXPIRES_IN_S = 1079  # what SFMC reports: a little under the real lifetime, so clients renew early
SESSION_TTL_S = 8 * 3600  # the stats page's sign-in
_ALGORITHMS = ["HS256"]  # pinned: the token's own header never chooses how it is checked
_REQUIRED_CLAIMS = ["sub", "mid", "scp", "iat", "exp"]
# Times are checked against the injected clock, not by PyJWT against the wall clock.
_DECODE_OPTIONS: jwt.types.Options = {
    "require": _REQUIRED_CLAIMS,
    "verify_exp": False,
    "verify_iat": False,
    "verify_nbf": False,
}
_CLOCK_SKEW_MS = 60_000  # another process may issue a token with a clock this far ahead
_CACHE_LIMIT = 10_000


@dataclasses.dataclass(frozen=True)
class Principal:
    """Who is calling: an account and the scopes the credential grants."""

    account_id: int
    scopes: frozenset[str]
    client_id: str | None = None
    token_id: str | None = None
    expires_at: int | None = None

    def has(self, scope: str) -> bool:
        return scope in self.scopes


@dataclasses.dataclass(frozen=True)
class Grant:
    access_token: str
    scopes: tuple[str, ...]
    expires_in_s: int = EXPIRES_IN_S


async def load_signing_key(db: Db, secret_key: str, *, now: int) -> bytes:
    """The access-token key: derived from TIDINGS_SECRET_KEY, else generated once and stored."""
    if secret_key:
        return hmac.new(secret_key.encode(), b"tidings/access-token", hashlib.sha256).digest()
    stored = await server_keys.get_or_create(
        db, "access_token_signing", candidate=secrets.token_hex(32), at=now
    )
    return bytes.fromhex(stored)


class Authenticator:
    """Issues access tokens and turns bearer strings into principals."""

    def __init__(
        self,
        db: Db,
        *,
        signing_key: bytes,
        token_ttl_s: int = 1200,
        session_ttl_s: int = SESSION_TTL_S,
        cache_ttl_s: float = 5.0,
        now: clock.Clock = clock.now_ms,
    ) -> None:
        self._db = db
        self._key = signing_key
        self._token_ttl_s = token_ttl_s
        self.session_ttl_s = session_ttl_s
        self._cache_ttl_ms = int(cache_ttl_s * 1000)
        self._now = now
        self._verified: dict[str, dict[str, Any]] = {}
        self._client_accounts: dict[str, tuple[int | None, int]] = {}
        self._api_tokens: dict[str, tuple[Principal | None, int]] = {}

    async def issue(
        self, request: TokenIn, *, session: bool = False
    ) -> tuple[Grant, clients.Client]:
        """The client-credentials grant; raises OAuthError as RFC 6749 describes.

        A ``session`` token (the stats page's sign-in) lives ``session_ttl_s`` instead.
        """
        client = await clients.get(self._db, request.client_id)
        presented = credentials.hash_secret(request.client_secret)
        # Compare against a dummy for unknown ids too, so timing does not reveal which exist.
        expected = client.secret_hash if client else credentials.hash_secret(secrets.token_hex())
        if not hmac.compare_digest(presented, expected) or client is None or client.is_revoked:
            raise OAuthError("invalid_client", "Client authentication failed.")
        if request.account_id is not None and request.account_id != client.account_id:
            raise OAuthError("invalid_client", "The client has no access to that account_id.")
        granted = _granted_scopes(client.scopes.split(), request.scope)
        token = self._sign(client, granted, session=session)
        return Grant(access_token=token, scopes=granted), client

    async def authenticate(self, authorization: str | None, *, session: bool = False) -> Principal:
        """The principal behind an ``Authorization: Bearer …`` header value.

        A bearer that is not an access token this server signed is looked up as an API token,
        whatever its prefix: teams moving from Broadcast keep their token values. ``session``:
        the value came from the stats page's cookie, which carries only a session token (8 h);
        a session token anywhere else is refused, so a stolen cookie is no API credential.
        """
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated()
        claims = None if token.startswith(credentials.API_TOKEN_PREFIX) else self._decode(token)
        if (claims is not None and claims.get("ses") == 1) != session:
            raise Unauthenticated()
        if claims is not None:
            return await self._access_token(claims)
        return await self._api_token(token)

    def csrf_token(self, session_token: str) -> str:
        """The token a page sends in ``X-CSRF-Token`` with a write made on its session cookie.

        Bound to that session (an HMAC of it under the access-token key): a page of another
        origin can make the browser send the cookie but can never read this value.
        """
        mac = hmac.new(self._key, b"csrf/" + session_token.encode(), hashlib.sha256)
        return mac.hexdigest()[:32]

    def is_csrf_token(self, session_token: str, presented: str | None) -> bool:
        return presented is not None and hmac.compare_digest(
            self.csrf_token(session_token), presented
        )

    def _sign(self, client: clients.Client, granted: tuple[str, ...], *, session: bool) -> str:
        issued_at_s = self._now() // 1000
        claims: dict[str, Any] = {
            "sub": client.client_id,
            "mid": client.account_id,
            "scp": scope_rules.to_mask(granted),
            "iat": issued_at_s,
            "exp": issued_at_s + (self.session_ttl_s if session else self._token_ttl_s),
            "jti": secrets.token_hex(8),
        }
        if session:
            claims["ses"] = 1
        return jwt.encode(claims, self._key, algorithm=_ALGORITHMS[0])

    def _decode(self, token: str) -> dict[str, Any] | None:
        """The claims of a token this server signed, not yet checked for time; else None.

        A signature, once checked, stays valid for that key, so checked tokens are remembered:
        clients send the same token for many requests, and PyJWT's checks cost ~50 µs.
        """
        claims = self._verified.get(token)
        if claims is not None:
            return claims
        try:
            claims = jwt.decode(token, self._key, algorithms=_ALGORITHMS, options=_DECODE_OPTIONS)
        except jwt.InvalidTokenError:
            return None
        _remember(self._verified, token, claims)
        return claims

    async def _access_token(self, claims: dict[str, Any]) -> Principal:
        sub, mid, scp, iat, exp = (claims[name] for name in _REQUIRED_CLAIMS)
        if not isinstance(sub, str) or not all(_is_int(v) for v in (mid, scp, iat, exp)):
            raise Unauthenticated()
        if not self._is_current(iat, exp, lifetime_s=self._lifetime_s(claims)):
            raise Unauthenticated()
        # The account comes from the client as stored, so a token naming another is refused.
        if await self._client_account(sub) != mid:
            raise Unauthenticated()
        return Principal(
            account_id=mid,
            scopes=scope_rules.from_mask(scp),
            client_id=sub,
            expires_at=exp * 1000,
        )

    def _lifetime_s(self, claims: dict[str, Any]) -> int:
        return self.session_ttl_s if claims.get("ses") == 1 else self._token_ttl_s

    def _is_current(self, iat: int, exp: int, *, lifetime_s: int) -> bool:
        """Not expired, not issued in the future, and not meant to live longer than allowed."""
        now = self._now()
        return exp * 1000 > now and iat * 1000 <= now + _CLOCK_SKEW_MS and exp - iat <= lifetime_s

    async def _client_account(self, client_id: str) -> int | None:
        """The client's account, or None when it is unknown or revoked (cached briefly)."""
        now = self._now()
        cached = self._client_accounts.get(client_id)
        if cached is not None and now - cached[1] < self._cache_ttl_ms:
            return cached[0]
        client = await clients.get(self._db, client_id)
        account = None if client is None or client.is_revoked else client.account_id
        _remember(self._client_accounts, client_id, (account, now))
        return account

    async def _api_token(self, token: str) -> Principal:
        now = self._now()
        digest = credentials.hash_secret(token)
        cached = self._api_tokens.get(digest)
        if cached is not None and now - cached[1] < self._cache_ttl_ms:
            principal = cached[0]
        else:
            row = await api_tokens.get_by_hash(self._db, digest)
            principal = None if row is None or row.is_revoked else _token_principal(row)
            if principal is not None or cached is not None:
                # Unknown tokens are not cached: a token created a moment ago must work at once.
                _remember(self._api_tokens, digest, (principal, now))
        if principal is None:
            raise Unauthenticated()
        return principal


def _granted_scopes(held: list[str], requested: str | None) -> tuple[str, ...]:
    """Omitted: everything the client holds; ``""``: nothing; else a subset of what it holds."""
    if requested is None:
        return tuple(held)
    wanted = tuple(dict.fromkeys(requested.split()))
    missing = [scope for scope in wanted if scope not in held]
    if missing:
        raise OAuthError("invalid_scope", f"Scope not granted to this client: {' '.join(missing)}.")
    return wanted


def _token_principal(row: api_tokens.ApiToken) -> Principal:
    return Principal(
        account_id=row.account_id, scopes=frozenset(row.scopes.split()), token_id=row.id
    )


def _remember(cache: dict[str, Any], key: str, value: Any) -> None:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
