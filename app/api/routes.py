"""The routing table: every path Tidings serves, in one list.

Every operation is declared with ``@endpoint`` (``app.api.endpoint``) and comes from its
registry, a module at a time; only the static files are mounted here."""

from __future__ import annotations

from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from app.api import (
    assets,
    catalog,
    credentials,
    definitions,
    deliveries,
    endpoint,
    ens,
    feed,
    health,
    inbound,
    keys,
    listen,
    messages,
    metrics,
    openapi,
    page,
    portal_links,
    portal_page,
    search,
    stats,
    suppressions,
    token,
    transactionals,
)
from app.console import portal, portal_deliveries, portal_endpoints

ROUTES = [
    *endpoint.routes(health),
    *endpoint.routes(metrics),
    *endpoint.routes(openapi),
    *endpoint.routes(token),
    *endpoint.routes(assets),
    *endpoint.routes(definitions),
    *endpoint.routes(messages),
    *endpoint.routes(search),
    *endpoint.routes(suppressions),
    *endpoint.routes(transactionals),
    *endpoint.routes(ens),
    *endpoint.routes(keys),
    *endpoint.routes(feed),
    *endpoint.routes(listen),
    *endpoint.routes(catalog),
    *endpoint.routes(deliveries),
    *endpoint.routes(credentials),
    *endpoint.routes(portal_links),
    *endpoint.routes(portal),
    *endpoint.routes(portal_endpoints),
    *endpoint.routes(portal_deliveries),
    *endpoint.routes(stats),
    *endpoint.routes(page),
    *endpoint.routes(portal_page),
    Mount("/static", StaticFiles(directory=page.STATIC), name="static"),
    *endpoint.routes(inbound),
]

# What a worker process (``serve --role worker``) answers: its probes and metrics, no API.
WORKER_ROUTES = [*endpoint.routes(health), *endpoint.routes(metrics)]
