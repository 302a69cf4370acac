"""Every shop route, enumerated from the app: an OAuth token lacking the route's declared
scope gets 403 ``scope_denied``, and a token holding just that scope passes the guard."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

import core.models as m
from core.settings import Settings
from marketplace.oauth.tokens import new_access_token, new_refresh_token, store_token_pair
from sdk.scopes import Scope
from tests.conftest import Factory
from tests.routes import shop_routes

ALL_SCOPES = [scope.value for scope in Scope]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Hundreds of calls from one installation: no request budget in the way."""
    settings.rate_limit_enabled = False
    return settings


def _issue(engine: Engine, installation: m.Installation, scopes: list[str]) -> dict[str, str]:
    token: dict[str, Any] = {
        "access_token": new_access_token(),
        "refresh_token": new_refresh_token(),
        "scope": " ".join(scopes),
    }
    with Session(engine) as session:
        store_token_pair(session, token=token, installation=installation, client_id="tzc_matrix")
        session.commit()
    return {"Authorization": f"Bearer {token['access_token']}"}


def _code(response: Any) -> str | None:
    """The problem's ``code``, if the response is a JSON object."""
    if "json" not in response.headers.get("content-type", ""):
        return None
    body = response.json()
    return body.get("code") if isinstance(body, dict) else None


def test_every_shop_route_refuses_a_token_without_its_scope(
    app: FastAPI, client: TestClient, engine: Engine, factory: Factory
) -> None:
    shop = factory.shop()
    _, sku = factory.product(shop)
    installation = m.Installation(
        shop_id=shop.id,
        plugin_id="matrix",
        version="1.0.0",
        kind="remote",
        granted_scopes=ALL_SCOPES,
    )
    factory._save(installation)
    routes_by_scope: dict[str, list[Any]] = defaultdict(list)
    for route in shop_routes(app):
        assert len(route.scopes) == 1, f"{route.method} {route.path} declares {route.scopes}"
        routes_by_scope[route.scopes[0]].append(route)
    assert len(routes_by_scope) >= 8
    wrong: list[str] = []
    for scope, routes in sorted(routes_by_scope.items()):
        without = _issue(engine, installation, [s for s in ALL_SCOPES if s != scope])
        only = _issue(engine, installation, [scope])
        for route in routes:
            url = route.url(shop.id, other_id=sku.id)
            refused = client.request(route.method, url, headers=without, json={})
            if refused.status_code != 403 or _code(refused) != "scope_denied":
                wrong.append(f"{route.method} {route.path} without {scope}: {refused.status_code}")
            elif refused.json().get("missing_scope") != scope:
                wrong.append(f"{route.method} {route.path}: wrong missing_scope")
            allowed = client.request(route.method, url, headers=only, json={})
            if allowed.status_code == 401 or _code(allowed) == "scope_denied":
                wrong.append(f"{route.method} {route.path} with {scope}: {allowed.status_code}")
    assert wrong == []
