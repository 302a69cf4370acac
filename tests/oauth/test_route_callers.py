"""Every API route outside ``/shops/{shop_id}``, enumerated from the app, says who may call
it, and an OAuth token (a service acting for one installation) reaches only the routes made
for services: a person's routes (``/me``, ``/admin``, ``/provider``, shop creation...) refuse
it even with every scope granted, so the scope guard of the shop routes is not bypassed."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

import core.models as m
from core.settings import Settings
from sdk.scopes import Scope
from tests.conftest import Factory
from tests.oauth.test_scope_matrix import _issue
from tests.routes import SHOP_PREFIX, ShopRoute, api_routes

#: Anyone may call these, signed in or not.
PUBLIC = {
    ("POST", "/api/v1/accounts"),
    ("POST", "/api/v1/tokens"),
    ("GET", "/api/v1/categories"),
    ("GET", "/api/v1/storefront/shops/{shop_id}/products"),
    ("GET", "/api/v1/storefront/shops/{shop_id}/products/{product_id}"),
    ("POST", "/api/v1/storefront/shops/{shop_id}/shipping-quote"),
    ("GET", "/api/v1/storefront/shops/{shop_id}"),
    ("GET", "/api/v1/storefront/shops/{shop_id}/categories"),
    ("GET", "/api/v1/storefront/shops/{shop_id}/pickup-stores"),
    ("GET", "/api/v1/search"),  # the platform-wide shop and product search
    # public images by id and sha256; private files by a signed, short-lived link
    ("GET", "/api/v1/files/{file_id}/{name}"),
    ("GET", "/api/v1/files/signed/{token}"),
}
#: People and services alike: a service sees its one shop, and revokes its own token.
ANY_CALLER = {
    ("GET", "/api/v1/shops"),
    ("DELETE", "/api/v1/tokens/current"),
}
#: A service's own installation: its token is the only way in.
SERVICE = {
    ("GET", "/api/v1/installation"),
    ("GET", "/api/v1/installation/records/{collection}"),
    ("GET", "/api/v1/installation/records/{collection}/{key:path}"),
    ("PUT", "/api/v1/installation/records/{collection}/{key:path}"),
    ("DELETE", "/api/v1/installation/records/{collection}/{key:path}"),
    ("POST", "/api/v1/installation/counters/{collection}/{key:path}"),
    ("PUT", "/api/v1/installation/webhook"),
    ("DELETE", "/api/v1/installation/webhook"),
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    settings.rate_limit_enabled = False
    return settings


def _other_routes(app: FastAPI) -> list[ShopRoute]:
    found = []
    for route in api_routes(app.routes):
        if route.path.startswith("/api/v1") and not route.path.startswith(SHOP_PREFIX):
            for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
                found.append(ShopRoute(method, route.path, ()))
    return found


def _code(response: Any) -> str | None:
    if "json" not in response.headers.get("content-type", ""):
        return None
    body = response.json()
    return body.get("code") if isinstance(body, dict) else None


def test_a_service_token_reaches_only_public_and_service_routes(
    app: FastAPI, client: TestClient, engine: Engine, factory: Factory
) -> None:
    shop = factory.shop()
    installation = m.Installation(
        shop_id=shop.id,
        plugin_id="caller",
        version="1.0.0",
        kind="remote",
        granted_scopes=[s.value for s in Scope],
    )
    factory._save(installation)
    routes = _other_routes(app)
    assert len(routes) >= 30
    wrong: list[str] = []
    for route in routes:
        key = (route.method, route.path)
        service = _issue(engine, installation, [s.value for s in Scope])  # a fresh token each
        response = client.request(route.method, route.url(shop.id), headers=service, json={})
        refused = response.status_code in (401, 403)
        if key in SERVICE or key in ANY_CALLER:
            if refused:
                wrong.append(f"{key}: a service route refused the service ({response.status_code})")
        elif key not in PUBLIC and not refused:
            wrong.append(f"{key}: a person's route let a service token in ({response.status_code})")
        elif key not in PUBLIC and _code(response) not in (
            "people_only",
            "admin_only",
            "providers_only",
        ):
            wrong.append(f"{key}: refused without saying why ({_code(response)})")
    assert wrong == [], "\n".join(wrong)


def test_the_service_routes_refuse_people(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    person = factory.headers(factory.account())
    for method, path in sorted(SERVICE):
        route = ShopRoute(method, path, ())
        response = client.request(method, route.url(1), headers=person, json={})
        assert response.status_code == 403, (method, path, response.status_code)
