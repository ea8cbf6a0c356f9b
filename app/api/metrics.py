"""GET /metrics in Prometheus text format: HTTP traffic, outcomes, deliveries, backlog, lag.

Request figures are counted in-process by the middleware below; outcome and delivery totals
come from the rollup tables at scrape time, so they survive restarts and add up across
processes. Set TIDINGS_METRICS_TOKEN to require ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app import logs, wire
from app.api.endpoint import endpoint
from app.api.http import runtime
from app.errors import Unauthenticated
from app.services import stats


class Registry:
    """One per app, so several apps in one process (tests) do not clash."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "tidings_http_requests",
            "HTTP requests by method, route and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "tidings_http_request_duration_seconds",
            "HTTP request latency by route.",
            ["route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=self.registry,
        )
        self.stored = _Stored()
        self.registry.register(self.stored)


class _Stored:
    """Figures read from the database just before each scrape."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def collect(self) -> Iterator[Metric]:
        events = CounterMetricFamily(
            "tidings_events", "Outcome events by channel and type.", labels=["channel", "type"]
        )
        for (channel, kind), n in self.values.get("events", {}).items():
            events.add_metric([channel, kind], n)
        yield events
        attempts = CounterMetricFamily(
            "tidings_webhook_attempts", "Webhook POSTs by result.", labels=["result"]
        )
        for result, n in self.values.get("attempts", {}).items():
            attempts.add_metric([result], n)
        yield attempts
        backlog = GaugeMetricFamily("tidings_webhook_backlog", "Events waiting for delivery.")
        backlog.add_metric([], self.values.get("backlog", 0))
        yield backlog
        lag = GaugeMetricFamily(
            "tidings_scheduler_lag_seconds",
            "How long the oldest due item has been waiting.",
            labels=["queue"],
        )
        for queue, seconds in self.values.get("lag", {}).items():
            lag.add_metric([queue], seconds)
        yield lag


class Middleware:
    """Counts and times every HTTP request by its route template (not its raw path)."""

    def __init__(self, app: ASGIApp, registry: Registry) -> None:
        self.app = app
        self.registry = registry
        # The labelled children, looked up once each (a few dozen routes times statuses).
        self._counted: dict[tuple[str, str, int], Any] = {}
        self._timed: dict[str, Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        watch = logs.Watch(send)
        try:
            await self.app(scope, receive, watch.send)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            self._count(scope["method"], route, watch.status).inc()
            timed = self._timed.get(route)
            if timed is None:
                timed = self._timed[route] = self.registry.latency.labels(route)
            timed.observe(watch.seconds)

    def _count(self, method: str, route: str, status: int) -> Any:
        key = (method, route, status)
        counted = self._counted.get(key)
        if counted is None:
            counted = self._counted[key] = self.registry.requests.labels(method, route, str(status))
        return counted


async def check_token(request: Request) -> None:
    """With TIDINGS_METRICS_TOKEN set, the scrape must send it as a bearer token."""
    token = runtime(request).settings.metrics_token
    if token:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise Unauthenticated()


@endpoint(
    "GET", "/metrics", scopes=None, security="metricsToken", check=check_token,
    responses={200: None}, errors=wire.SFMC, tags=("Operations",),
    summary="Prometheus metrics (open unless TIDINGS_METRICS_TOKEN is set)",
)  # fmt: skip
async def metrics(request: Request) -> Response:
    state = runtime(request)
    registry: Registry = request.app.state.metrics
    registry.stored.values = await stats.totals(state.db, now=state.now())
    return Response(generate_latest(registry.registry), media_type=CONTENT_TYPE_LATEST)
