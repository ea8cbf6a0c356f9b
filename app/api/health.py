"""Liveness and readiness probes (unauthenticated)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from app.api.http import JSONResponse, runtime


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    try:
        await runtime(request).db.fetch_val("SELECT 1")
    except Exception as exc:  # any driver failure means "not ready", which is the answer
        return JSONResponse({"status": "unavailable", "error": type(exc).__name__}, 503)
    return JSONResponse({"status": "ok"})
