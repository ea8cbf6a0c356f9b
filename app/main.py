"""create_app(settings) -> Starlette, and the module-level ``app`` for ``uvicorn app.main:app``."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware

from app import clock, logs
from app.api import errors, limits, metrics, paths, router, routes
from app.runtime import Runtime
from app.services.access.bootstrap import Say
from app.settings import Settings

# The youngest generation's threshold once started (CPython's default is 700).
GC_YOUNG_THRESHOLD = 10_000


def settle_gc() -> None:
    """Once started, move every object alive (modules, models, schemas, the runtime) out of
    the collector's sight (``gc.freeze``), and collect the young generation less often.

    Each full collection walked those hundreds of thousands of long-lived objects again; with
    them frozen, in-process CPU per single send fell from 218-229 to 156-157 µs and per
    status read from 77 to 68 µs (two runs each; bench figures in the README). Frozen objects
    are still freed by reference counting; only cycles among them stay, and they were made
    once, at start-up.
    """
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, older, oldest)


def create_app(
    settings: Settings | None = None,
    *,
    say: Say = print,
    now: clock.Clock = clock.now_ms,
    tune_gc: bool = False,
) -> Starlette:
    """``tune_gc``: call ``settle_gc`` once started (``serve`` does; tests, which make many
    apps in one process, do not)."""
    chosen = settings or Settings.from_env()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.runtime = await Runtime.start(chosen, say=say, now=now)
        if tune_gc:
            settle_gc()
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
        return create_app(tune_gc=True)
    raise AttributeError(name)
