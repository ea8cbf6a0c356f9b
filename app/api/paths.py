"""ASGI middleware that forgives the path spellings real SFMC clients send."""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

_SLASHES = re.compile(r"/{2,}")


class NormalizePath:
    """Collapse ``//`` (FuelSDK posts to ``auth_url + '/v2/token'``) and drop a trailing ``/``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            tidy = _SLASHES.sub("/", path)
            if len(tidy) > 1:
                tidy = tidy.rstrip("/")
            if tidy != path:
                scope = dict(scope, path=tidy, raw_path=tidy.encode())
        await self.app(scope, receive, send)
