"""The buyers' side: browsing a shop without a token, and order bodies that never 5xx."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Factory


def test_browse_listed_products_of_an_open_shop_without_a_token(
    client: TestClient, factory: Factory
) -> None:
    shop = factory.shop()
    listed, sku = factory.product(shop, price_fen=990, provinces=["11"])
    factory.product(shop, listed=False)
    response = client.get(f"/api/v1/storefront/shops/{shop.id}/products")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [p["id"] for p in items] == [listed.id]
    assert items[0]["skus"] == [
        {
            "id": sku.id,
            "code": "default",
            "options": {},
            "price_fen": 990,
            "currency": "CNY",
            "stock": 10,
        }
    ]
    assert items[0]["sellable_provinces"] == ["11"]
    assert "external_ref" not in items[0]
    one = client.get(f"/api/v1/storefront/shops/{shop.id}/products/{listed.id}")
    assert one.json()["id"] == listed.id


def test_draft_products_and_closed_shops_are_not_found(
    client: TestClient, factory: Factory
) -> None:
    shop = factory.shop()
    draft, _ = factory.product(shop, listed=False)
    other = factory.shop()
    elsewhere, _ = factory.product(other)
    assert client.get(f"/api/v1/storefront/shops/{shop.id}/products/{draft.id}").status_code == 404
    assert (
        client.get(f"/api/v1/storefront/shops/{shop.id}/products/{elsewhere.id}").status_code == 404
    )
    closed = factory.shop(open=False)
    factory.product(closed)
    response = client.get(f"/api/v1/storefront/shops/{closed.id}/products")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert client.get("/api/v1/storefront/shops/999999/products").status_code == 404


def test_storefront_pages(client: TestClient, factory: Factory) -> None:
    shop = factory.shop()
    ids = [factory.product(shop)[0].id for _ in range(3)]
    url = f"/api/v1/storefront/shops/{shop.id}/products"
    first = client.get(url, params={"limit": 2}).json()
    rest = client.get(url, params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [p["id"] for p in first["items"] + rest["items"]] == ids
    assert client.get(url, params={"cursor": "garbage!"}).status_code == 422


def test_placing_orders_needs_a_person(client: TestClient, factory: Factory) -> None:
    shop = factory.shop()
    _, sku = factory.product(shop)
    response = client.post(
        f"/api/v1/storefront/shops/{shop.id}/orders",
        json={"lines": [{"sku_id": sku.id, "quantity": 1}]},
        headers={"Idempotency-Key": "x", "Authorization": "Bearer nope"},
    )
    assert response.status_code == 401


_text = st.text(max_size=70)
_line = st.fixed_dictionaries(
    {
        "sku_id": st.one_of(st.integers(min_value=-2, max_value=2**66), st.sampled_from([1, 2, 3])),
        "quantity": st.integers(min_value=-2, max_value=2**40),
    }
)
_order = st.fixed_dictionaries(
    {"lines": st.lists(_line, max_size=4)},
    optional={
        "recipient_name": _text,
        "recipient_phone": st.one_of(st.just("13800138000"), _text),
        "province_code": st.one_of(st.sampled_from(["11", "44", "81", "99", "1"]), _text),
        "address": _text,
        "self_pickup": st.one_of(st.booleans(), st.integers()),
        "extra": st.integers(),
    },
)
_key = st.one_of(st.text(min_size=0, max_size=120), st.sampled_from(["k1", "k2"]))


def test_order_bodies_never_5xx(client: TestClient, factory: Factory) -> None:
    shop = factory.shop()
    for stock, provinces in ((3, None), (0, None), (50, ["44"])):
        factory.product(shop, stock=stock, provinces=provinces)
    factory.product(shop, listed=False)
    headers = factory.headers(factory.account())
    url = f"/api/v1/storefront/shops/{shop.id}/orders"

    @settings(
        max_examples=80,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(body=_order, key=_key)
    def check(body: dict[str, Any], key: str) -> None:
        raw_key = "".join(ch for ch in key if ch.isprintable()).strip().encode()
        response = client.post(url, json=body, headers={**headers, "Idempotency-Key": raw_key})
        assert response.status_code < 500, (body, key, response.text)
        assert response.status_code in {200, 201, 401, 404, 409, 422}, response.text
        if response.status_code == 201:
            order = response.json()
            assert order["total_fen"] == sum(
                line["quantity"] * line["unit_price_fen"] for line in order["lines"]
            )

    check()
