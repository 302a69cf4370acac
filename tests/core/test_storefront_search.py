"""The storefront's shop profile, product search and category filter, and buyers' parcels."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

import core.models as m
from core.models.base import utcnow
from tests.conftest import Factory


def _titled(factory: Factory, shop: m.Shop, title: str, **kw: object) -> m.Product:
    product, _ = factory.product(shop, **kw)  # type: ignore[arg-type]
    with Session(factory.engine, expire_on_commit=False) as session:
        row = session.get(m.Product, product.id)
        assert row is not None
        row.title = title
        row.description = f"About {title}"
        session.commit()
    return product


def test_profile_says_name_type_icon_and_whether_it_sells(
    client: TestClient, factory: Factory
) -> None:
    shop = factory.shop(name="Tea stall", description="Leaves by weight")
    body = client.get(f"/api/v1/storefront/shops/{shop.id}").json()
    assert body == {
        "id": shop.id,
        "name": "Tea stall",
        "description": "Leaves by weight",
        "type": "enterprise",
        "icon_url": None,
        "icon_thumbnail_url": None,
        "selling": True,
        "guaranteed": False,  # no 交易保障 assessment yet
    }
    suspended = factory.shop(suspended_at=utcnow(), suspension_reason="checks")
    assert client.get(f"/api/v1/storefront/shops/{suspended.id}").json()["selling"] is False
    products = client.get(f"/api/v1/storefront/shops/{suspended.id}/products")
    assert products.status_code == 403
    draft = factory.shop(open=False)
    missing = client.get(f"/api/v1/storefront/shops/{draft.id}")
    assert missing.status_code == 404
    assert missing.json()["code"] == "shop_not_found"


def test_search_matches_every_word_in_title_or_description_in_any_case(
    client: TestClient, factory: Factory
) -> None:
    shop = factory.shop()
    green = _titled(factory, shop, "Green Tea 100% leaf")
    black = _titled(factory, shop, "Black tea")
    pot = _titled(factory, shop, "Teapot")
    _titled(factory, factory.shop(), "Green tea elsewhere")
    url = f"/api/v1/storefront/shops/{shop.id}/products"

    def ids(**params: str) -> list[int]:
        response = client.get(url, params=params)
        assert response.status_code == 200, response.text
        return [p["id"] for p in response.json()["items"]]

    assert ids(q="TEA") == [green.id, black.id, pot.id]
    assert ids(q="teapot") == [pot.id]
    assert ids(q="green tea") == [green.id]
    assert ids(q="about black") == [black.id]  # the description counts
    assert ids(q="100%") == [green.id]  # % is a character, not a wildcard
    assert ids(q="_") == []


def test_category_filter_takes_the_category_and_those_under_it(
    client: TestClient, factory: Factory
) -> None:
    shop = factory.shop()
    food = factory.category(name="Food")
    tea = factory.category(name="Tea", parent_id=food.id)
    tools = factory.category(name="Tools")
    in_tea = _titled(factory, shop, "Oolong", category=tea)
    in_food = _titled(factory, shop, "Rice", category=food)
    in_tools = _titled(factory, shop, "Kettle", category=tools)
    url = f"/api/v1/storefront/shops/{shop.id}/products"
    got = client.get(url, params={"category_id": food.id}).json()["items"]
    assert [p["id"] for p in got] == [in_tea.id, in_food.id]
    got = client.get(url, params={"category_id": tea.id, "q": "oolong"}).json()["items"]
    assert [p["id"] for p in got] == [in_tea.id]
    categories = client.get(f"/api/v1/storefront/shops/{shop.id}/categories").json()
    assert categories == [
        {"id": food.id, "name": "Food", "products": 1},
        {"id": tea.id, "name": "Tea", "products": 1},
        {"id": tools.id, "name": "Tools", "products": 1},
    ]
    assert in_tools.id not in [p["id"] for p in got]


def test_search_pages_with_a_cursor(client: TestClient, factory: Factory) -> None:
    shop = factory.shop()
    made = [_titled(factory, shop, f"Cup {i}").id for i in range(5)]
    url = f"/api/v1/storefront/shops/{shop.id}/products"
    first = client.get(url, params={"q": "cup", "limit": 3}).json()
    second = client.get(url, params={"q": "cup", "limit": 3, "cursor": first["next_cursor"]}).json()
    assert [p["id"] for p in first["items"] + second["items"]] == made
    assert second["next_cursor"] is None


def test_bad_search_input_is_a_problem_with_its_field(client: TestClient, factory: Factory) -> None:
    shop = factory.shop()
    url = f"/api/v1/storefront/shops/{shop.id}/products"
    for params, field in (
        ({"category_id": "999999"}, "query.category_id"),
        ({"category_id": "0"}, "query.category_id"),
        ({"category_id": "tea"}, "query.category_id"),
        ({"q": "x" * 101}, "query.q"),
        ({"limit": "0"}, "query.limit"),
    ):
        response = client.get(url, params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in response.json()["errors"]] == [field], params


def test_products_carry_their_image_urls(client: TestClient, factory: Factory) -> None:
    shop = factory.shop()
    _titled(factory, shop, "Plain")
    item = client.get(f"/api/v1/storefront/shops/{shop.id}/products").json()["items"][0]
    assert item["image_url"] is None
    assert item["images"] == []


def test_a_buyer_sees_the_parcels_of_their_own_orders_only(
    client: TestClient, factory: Factory
) -> None:
    shop = factory.shop()
    buyer = factory.account()
    order, lines = factory.order(shop, buyer, status=m.OrderStatus.shipped)
    with Session(factory.engine) as session:
        session.add(
            m.Shipment(
                shop_id=shop.id,
                order_id=order.id,
                carrier_code="sf",
                waybill_no="SF1234567890",
                line_ids=[line.id for line in lines],
            )
        )
        session.commit()
    url = f"/api/v1/me/orders/{order.id}/shipments"
    parcels = client.get(url, headers=factory.headers(buyer)).json()
    assert [p["waybill_no"] for p in parcels] == ["SF1234567890"]
    other = client.get(url, headers=factory.headers(factory.account()))
    assert other.status_code == 404
