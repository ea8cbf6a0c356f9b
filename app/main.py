"""create_app(settings) -> Starlette, and the module-level ``app`` for ``uvicorn app.main:app``."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware

from app import clock, logs
from app.api import errors, limits, metrics, paths, router, routes
from app.runtime import Runtime
from app.services.access.bootstrap import Say
from app.settings import Settings


def create_app(
    settings: Settings | None = None, *, say: Say = print, now: clock.Clock = clock.now_ms
) -> Starlette:
    chosen = settings or Settings.from_env()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.runtime = await Runtime.start(chosen, say=say, now=now)
        try:
            yield
        finally:
            await app.state.runtime.stop()

    registry = metrics.Registry()
    served = routes.WORKER_ROUTES if chosen.role == "worker" else routes.ROUTES
    app = Starlette(
        routes=served,
        # NormalizePath first: the metrics middleware then sees the scope the router fills in.
        middleware=[
            Middleware(logs.RequestLog),
            Middleware(paths.NormalizePath),
            Middleware(limits.BodyLimit, limit=chosen.max_body_bytes),
            Middleware(metrics.Middleware, registry=registry),
        ],
        exception_handlers=errors.HANDLERS,
        lifespan=lifespan,
    )
    app.router = router.IndexedRouter(served, lifespan=lifespan)
    app.state.metrics = registry
    return app


def __getattr__(name: str) -> Starlette:
    # Built on first access so importing app.main never reads the environment by surprise.
    if name == "app":
        return create_app()
    raise AttributeError(name)
