"""ASGI middleware that forgives the path spellings real SFMC clients send."""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

_SLASHES = re.compile(r"/{2,}")


class NormalizePath:
    """Collapse ``//`` (FuelSDK posts to ``auth_url + '/v2/token'``) and drop a trailing ``/``.

    A NUL (``%00``) in the path or query becomes U+FFFD: no id or key contains one, so the
    request gets the API's own 404 or 400 instead of reaching PostgreSQL, which refuses NUL.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            tidy = _SLASHES.sub("/", path).replace("\x00", "\ufffd")
            if len(tidy) > 1:
                tidy = tidy.rstrip("/")
            if tidy != path:
                scope = dict(scope, path=tidy, raw_path=tidy.encode())
            query = scope.get("query_string", b"")
            if b"%00" in query:
                scope = dict(scope, query_string=query.replace(b"%00", b"%EF%BF%BD"))
        await self.app(scope, receive, send)
