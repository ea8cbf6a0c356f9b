"""Liveness and readiness probes (unauthenticated)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from app import wire
from app.api.endpoint import endpoint
from app.api.http import render, runtime
from app.errors import StorageUnavailable
from app.wire.health import Healthy, NotReady

_TAGS = ("Operations",)


@endpoint(
    "GET", "/healthz", scopes=None, responses={200: Healthy}, errors=wire.SFMC,
    summary="Liveness", tags=_TAGS,
)  # fmt: skip
async def healthz(request: Request) -> Response:
    return render(Healthy(status="ok"))


@endpoint(
    "GET", "/readyz", scopes=None, responses={200: Healthy, 503: NotReady}, errors=wire.SFMC,
    summary="Readiness (the database answers)", tags=_TAGS,
)  # fmt: skip
async def readyz(request: Request) -> Response:
    try:
        await runtime(request).db.ping()
    except Exception as exc:  # any driver failure means "not ready", which is the answer
        cause = exc.__cause__ if isinstance(exc, StorageUnavailable) else exc
        return render(NotReady(status="unavailable", error=type(cause).__name__), 503)
    return render(Healthy(status="ok"))
