"""A member of shop A reaches nothing of shop B: every shop route answers 404."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import Factory
from tests.routes import shop_routes


def test_there_are_shop_routes_to_check(app: FastAPI) -> None:
    assert len(list(shop_routes(app))) >= 20


def test_every_shop_route_declares_exactly_one_scope(app: FastAPI) -> None:
    missing = [f"{r.method} {r.path}" for r in shop_routes(app) if len(r.scopes) != 1]
    assert missing == []


def test_member_of_shop_a_gets_404_on_every_route_of_shop_b(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    owner_a = factory.account()
    shop_a = factory.shop(owner_a)
    shop_b = factory.shop()
    _, sku_b = factory.product(shop_b)
    headers = factory.headers(owner_a)
    leaks = []
    for route in shop_routes(app):
        url = route.url(shop_b.id, other_id=sku_b.id)
        response = client.request(route.method, url, headers=headers, json={})
        if response.status_code != 404:
            leaks.append(f"{route.method} {url} -> {response.status_code}")
        else:
            assert response.headers["content-type"] == "application/problem+json"
    assert leaks == []
    # and the same member does reach their own shop
    own = client.get(f"/api/v1/shops/{shop_a.id}", headers=headers)
    assert own.status_code == 200


@pytest.mark.parametrize("header", [None, "Bearer not-a-token"])
def test_shop_routes_need_a_valid_token(
    app: FastAPI, client: TestClient, factory: Factory, header: str | None
) -> None:
    shop = factory.shop()
    headers = {"Authorization": header} if header else {}
    for route in shop_routes(app):
        response = client.request(route.method, route.url(shop.id), headers=headers, json={})
        assert response.status_code == 401, f"{route.method} {route.path}"
