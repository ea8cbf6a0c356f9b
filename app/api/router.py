"""A Starlette router that only tries the routes that can match a path's first segment.

Starlette's router tries every route's regular expression in order; with some seventy routes
a message-status read spent a tenth of its time there. This one files the routes by the
literal first segment of their path (``messaging``, ``api``, …) once, and per request tries
only that bucket, in the table's order. 404 and 405 answers are Starlette's own.
Trailing slashes are handled before routing (``paths.NormalizePath``), so there is no
slash-redirect step.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match, Router
from starlette.types import Receive, Scope, Send


class IndexedRouter(Router):
    def __init__(self, routes: Sequence[BaseRoute], **options: Any) -> None:
        super().__init__(routes=routes, redirect_slashes=False, **options)
        self._by_segment: dict[str, list[BaseRoute]] = {}
        self._anywhere: list[BaseRoute] = []
        self._indexed = -1

    def _index(self) -> None:
        self._by_segment, self._anywhere = {}, []
        for route in self.routes:
            segment = _first_segment(getattr(route, "path", "{"))
            if "{" in segment:
                self._anywhere.append(route)
            else:
                self._by_segment.setdefault(segment, []).append(route)
        self._indexed = len(self.routes)

    def candidates(self, path: str) -> list[BaseRoute]:
        if self._indexed != len(self.routes):  # routes were added after start
            self._index()
        return self._by_segment.get(_first_segment(path), []) + self._anywhere

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().app(scope, receive, send)
            return
        scope.setdefault("router", self)
        partial: tuple[BaseRoute, Scope] | None = None
        for route in self.candidates(get_route_path(scope)):
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                scope["route"] = route
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
            if match is Match.PARTIAL and partial is None:
                partial = route, child_scope
        if partial is not None:  # the path matches but not the method: 405
            scope["route"] = partial[0]
            scope.update(partial[1])
            await partial[0].handle(scope, receive, send)
            return
        await self.not_found(scope, receive, send)


def _first_segment(path: str) -> str:
    return path.lstrip("/").split("/", 1)[0]
