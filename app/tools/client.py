"""A Tidings server as the client commands see it: a base URL and client credentials."""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx

from app.errors import ConfigError


@dataclasses.dataclass
class Server:
    url: str
    client_id: str
    client_secret: str
    http: httpx.AsyncClient
    _token: str | None = None

    def __post_init__(self) -> None:
        if not (self.client_id and self.client_secret):
            raise ConfigError(
                "client credentials are required: --client-id and --client-secret, or"
                " TIDINGS_CLIENT_ID and TIDINGS_CLIENT_SECRET (tidings clients create --shell)"
            )
        self.url = self.url.rstrip("/") + "/"

    async def token(self, *, fresh: bool = False) -> str:
        if self._token is None or fresh:
            answer = await self.http.post(self.url + "v2/token", json={
                "grant_type": "client_credentials", "client_id": self.client_id,
                "client_secret": self.client_secret,
            })  # fmt: skip
            if answer.status_code != 200:
                raise ConfigError(f"the server refused the credentials: {answer.text[:300]}")
            self._token = str(answer.json()["access_token"])
        return self._token

    async def headers(self, *, fresh: bool = False) -> dict[str, str]:
        return {"Authorization": f"Bearer {await self.token(fresh=fresh)}"}

    async def call(self, method: str, path: str, **options: Any) -> httpx.Response:
        """One API call; an expired token is renewed once."""
        answer = await self.http.request(
            method, self.url + path.lstrip("/"), headers=await self.headers(), **options
        )
        if answer.status_code == 401:
            answer = await self.http.request(
                method, self.url + path.lstrip("/"), headers=await self.headers(fresh=True),
                **options,
            )  # fmt: skip
        return answer
