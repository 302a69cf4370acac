"""Every GET route reads on the read session: on SQLite a write session opens ``BEGIN
IMMEDIATE`` and would queue each page view behind the writers.

Built from ``app.routes``, so a new GET route is checked too. A GET route that must write
is listed in ``WRITES_ON_GET`` with the reason.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from core.api.deps import get_read_session, get_session
from tests.routes import api_routes

#: GET routes allowed the write session, each with the reason it writes.
WRITES_ON_GET: dict[str, str] = {
    "/console/shops/{shop_id}/apps": "expires the shop's lapsed subscriptions before listing",
    "/console/shops/{shop_id}/apps/{slug}": "expires the shop's lapsed subscriptions first",
}


def _calls(route: Any) -> set[Any]:
    """Every dependency callable a route resolves, at any depth."""
    found: set[Any] = set()
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        found.add(dep.call)
        stack.extend(dep.dependencies)
    return found


def test_every_get_route_uses_the_read_session(app: FastAPI) -> None:
    gets = [r for r in api_routes(app.routes) if "GET" in r.methods]
    assert len(gets) > 50  # the walk found the included routers
    writing = sorted(
        r.path for r in gets if get_session in _calls(r) and r.path not in WRITES_ON_GET
    )
    assert writing == [], "GET routes on the write session (use ReadSessionDep)"
    reading = [r.path for r in gets if get_read_session in _calls(r)]
    assert "/api/v1/shops/{shop_id}/orders" in reading
    assert set(WRITES_ON_GET) <= {r.path for r in gets}, "a listed route no longer exists"
