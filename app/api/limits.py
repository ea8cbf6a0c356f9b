"""A cap on request bodies (``TIDINGS_MAX_BODY_BYTES``).

It raises the domain error ``TooLarge`` where the handler reads the body, so the 413 has the
error body of the API that was called (the SFMC envelope, or Broadcast's ``{"error": …}``).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import TooLarge


class BodyLimit:
    """Refuses a body over ``limit`` bytes: at once when Content-Length says so, else as soon
    as the streamed body passes the limit. The error surfaces where the handler reads it."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        too_large = not declared.isdigit() or int(declared) > self.limit
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            if too_large:
                raise TooLarge(self.limit)
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise TooLarge(self.limit)
            return message

        await self.app(scope, limited, send)
