"""Enumerate the app's shop-scoped routes, so tests cover every route, new ones included."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

SHOP_PREFIX = "/api/v1/shops/{shop_id}"


@dataclass(frozen=True)
class ShopRoute:
    method: str
    path: str
    scopes: tuple[str, ...]

    def url(self, shop_id: int, other_id: int = 1) -> str:
        path = self.path.replace("{shop_id}", str(shop_id))
        return re.sub(r"\{[^}]+\}", str(other_id), path)


def _required_scopes(route: Any) -> tuple[str, ...]:
    found: list[str] = []
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        scope = getattr(dep.call, "required_scope", None)
        if scope is not None:
            found.append(str(scope.value))
        stack.extend(dep.dependencies)
    return tuple(sorted(found))


def api_routes(routes: list[Any]) -> Iterator[Any]:
    """Every ``APIRoute`` of an app, looking inside included routers.

    FastAPI includes routers lazily (an ``_IncludedRouter`` entry in ``app.routes``);
    its effective candidates carry the full path and the merged dependencies.
    """
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "effective_candidates"):
            for candidate in route.effective_candidates():
                if hasattr(candidate, "effective_candidates"):
                    yield from api_routes([candidate])
                elif hasattr(candidate, "dependant"):  # an effective route: path, methods...
                    yield candidate


def shop_routes(app: FastAPI) -> Iterator[ShopRoute]:
    """Every method of every route under ``/api/v1/shops/{shop_id}``."""
    for route in api_routes(app.routes):
        if route.path.startswith(SHOP_PREFIX):
            for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
                yield ShopRoute(method, route.path, _required_scopes(route))
