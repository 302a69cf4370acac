"""Products, SKUs and inventory through the merchant API."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import core.models as m
from tests.conftest import Factory


def _body(category_id: int, **kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "category_id": category_id,
        "title": "Tea cup",
        "skus": [
            {"code": "red", "options": {"colour": "red"}, "price_fen": 1200, "stock": 5},
            {"code": "blue", "options": {"colour": "blue"}, "price_fen": 1300, "stock": 0},
        ],
    }
    body.update(kw)
    return body


def _events(engine: Engine, name: str) -> list[m.OutboxEvent]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(m.OutboxEvent).where(m.OutboxEvent.name == name).order_by(m.OutboxEvent.id)  # type: ignore[arg-type]
            ).all()
        )


@pytest.fixture
def merchant(factory: Factory) -> tuple[m.Shop, dict[str, str], m.Category]:
    owner = factory.account()
    shop = factory.shop(owner)
    return shop, factory.headers(owner), factory.category()


def test_create_product_with_skus_records_event(
    client: TestClient, engine: Engine, merchant: tuple[m.Shop, dict[str, str], m.Category]
) -> None:
    shop, headers, category = merchant
    response = client.post(
        f"/api/v1/shops/{shop.id}/products",
        json=_body(category.id, sellable_provinces=["11", "44", "11"], self_pickup=True),
        headers=headers,
    )
    assert response.status_code == 201, response.text
    product = response.json()
    assert product["status"] == "draft"
    assert product["sellable_provinces"] == ["11", "44"]
    assert [s["code"] for s in product["skus"]] == ["red", "blue"]
    assert product["skus"][0]["stock"] == 5
    events = _events(engine, "product_created")
    assert len(events) == 1
    assert events[0].resource_id == product["id"]
    assert events[0].payload["product"]["skus"][1]["price_fen"] == 1300

    got = client.get(f"/api/v1/shops/{shop.id}/products/{product['id']}", headers=headers)
    assert got.json() == product


def test_unknown_province_names_its_index(
    client: TestClient, merchant: tuple[m.Shop, dict[str, str], m.Category]
) -> None:
    shop, headers, category = merchant
    response = client.post(
        f"/api/v1/shops/{shop.id}/products",
        json=_body(category.id, sellable_provinces=["11", "31", "99"]),
        headers=headers,
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "unknown_province"
    assert problem["errors"][0]["field"] == "body.sellable_provinces[2]"


@pytest.mark.parametrize(
    ("shop_type", "condition", "ok"),
    [
        (m.ShopType.personal, "second_hand", True),
        (m.ShopType.personal, "new", True),
        (m.ShopType.enterprise, "second_hand", False),
        (m.ShopType.individual, "second_hand", False),
        (m.ShopType.individual, "new", True),
    ],
)
def test_condition_by_shop_type(
    client: TestClient, factory: Factory, shop_type: m.ShopType, condition: str, ok: bool
) -> None:
    owner = factory.account()
    shop = factory.shop(owner, type=shop_type)
    category = factory.category()
    response = client.post(
        f"/api/v1/shops/{shop.id}/products",
        json=_body(category.id, condition=condition),
        headers=factory.headers(owner),
    )
    if ok:
        assert response.status_code == 201, response.text
    else:
        assert response.status_code == 422
        assert response.json()["code"] == "condition_not_allowed"
        assert response.json()["errors"][0]["field"] == "body.condition"


def test_gated_category_needs_qualification(
    client: TestClient, factory: Factory, merchant: tuple[m.Shop, dict[str, str], m.Category]
) -> None:
    shop, headers, _ = merchant
    gated = factory.category(name="Food", qualifications=["food_licence"])
    response = client.post(
        f"/api/v1/shops/{shop.id}/products", json=_body(gated.id), headers=headers
    )
    assert response.status_code == 403
    assert response.json()["code"] == "qualification_required"
    missing = client.post(f"/api/v1/shops/{shop.id}/products", json=_body(999), headers=headers)
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "body.category_id"


def test_duplicate_sku_codes_refused(
    client: TestClient, merchant: tuple[m.Shop, dict[str, str], m.Category]
) -> None:
    shop, headers, category = merchant
    body = _body(category.id)
    body["skus"][1]["code"] = "red"
    response = client.post(f"/api/v1/shops/{shop.id}/products", json=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.skus[1].code"


def test_only_open_shops_list_products(
    client: TestClient, factory: Factory, engine: Engine
) -> None:
    owner = factory.account()
    draft = factory.shop(owner, open=False)
    headers = factory.headers(owner)
    category = factory.category()
    created = client.post(
        f"/api/v1/shops/{draft.id}/products", json=_body(category.id), headers=headers
    )
    assert created.status_code == 201
    pid = created.json()["id"]
    refused = client.post(f"/api/v1/shops/{draft.id}/products/{pid}/list", headers=headers)
    assert refused.status_code == 409
    assert refused.json()["code"] == "shop_not_open"

    with Session(engine) as session:
        shop = session.get(m.Shop, draft.id)
        assert shop is not None
        shop.status = m.ShopStatus.open
        session.add(shop)
        session.commit()
    listed = client.post(f"/api/v1/shops/{draft.id}/products/{pid}/list", headers=headers)
    assert listed.status_code == 200
    assert listed.json()["status"] == "listed"
    only_listed = client.get(
        f"/api/v1/shops/{draft.id}/products", params={"status": "listed"}, headers=headers
    )
    assert [p["id"] for p in only_listed.json()["items"]] == [pid]
    only_draft = client.get(
        f"/api/v1/shops/{draft.id}/products", params={"status": "draft"}, headers=headers
    )
    assert only_draft.json()["items"] == []
    delisted = client.post(f"/api/v1/shops/{draft.id}/products/{pid}/delist", headers=headers)
    assert delisted.json()["status"] == "delisted"
    assert len(_events(engine, "product_updated")) == 2


def test_patch_product(
    client: TestClient, engine: Engine, merchant: tuple[m.Shop, dict[str, str], m.Category]
) -> None:
    shop, headers, category = merchant
    pid = client.post(
        f"/api/v1/shops/{shop.id}/products", json=_body(category.id), headers=headers
    ).json()["id"]
    url = f"/api/v1/shops/{shop.id}/products/{pid}"
    patched = client.patch(
        url, json={"title": "Mug", "sellable_provinces": ["65"]}, headers=headers
    )
    assert patched.status_code == 200
    assert patched.json()["title"] == "Mug"
    assert patched.json()["sellable_provinces"] == ["65"]
    bad = client.patch(url, json={"sellable_provinces": ["1"]}, headers=headers)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "body.sellable_provinces[0]"
    nulled = client.patch(url, json={"title": None}, headers=headers)
    assert nulled.status_code == 422
    assert _events(engine, "product_updated")[-1].payload["product"]["title"] == "Mug"


def test_delete_never_ordered_product_removes_it(
    client: TestClient, engine: Engine, merchant: tuple[m.Shop, dict[str, str], m.Category]
) -> None:
    shop, headers, category = merchant
    pid = client.post(
        f"/api/v1/shops/{shop.id}/products", json=_body(category.id), headers=headers
    ).json()["id"]
    url = f"/api/v1/shops/{shop.id}/products/{pid}"
    assert client.delete(url, headers=headers).status_code == 204
    assert client.get(url, headers=headers).status_code == 404
    with Session(engine) as session:
        assert session.get(m.Product, pid) is None
        assert session.exec(select(m.Sku).where(m.Sku.product_id == pid)).all() == []
    assert len(_events(engine, "product_deleted")) == 1


def test_delete_ordered_product_keeps_it_hidden(
    client: TestClient, engine: Engine, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    headers = factory.headers(owner)
    product, sku = factory.product(shop, stock=3)
    buyer = factory.headers(factory.account())
    order = client.post(
        f"/api/v1/storefront/shops/{shop.id}/orders",
        json={
            "lines": [{"sku_id": sku.id, "quantity": 1}],
            "recipient_name": "Li Lei",
            "recipient_phone": "13800000000",
            "province_code": "11",
            "address": "1 Road",
        },
        headers={**buyer, "Idempotency-Key": "k1"},
    )
    assert order.status_code == 201
    url = f"/api/v1/shops/{shop.id}/products/{product.id}"
    assert client.delete(url, headers=headers).status_code == 204
    assert client.get(url, headers=headers).status_code == 404
    with Session(engine) as session:
        kept = session.get(m.Product, product.id)
        assert kept is not None
        assert kept.deleted_at is not None
        assert kept.status == m.ProductStatus.delisted
    listing = client.get(f"/api/v1/storefront/shops/{shop.id}/products")
    assert listing.json()["items"] == []


def test_skus_add_update_delete(
    client: TestClient, merchant: tuple[m.Shop, dict[str, str], m.Category]
) -> None:
    shop, headers, category = merchant
    product = client.post(
        f"/api/v1/shops/{shop.id}/products", json=_body(category.id), headers=headers
    ).json()
    base = f"/api/v1/shops/{shop.id}/products/{product['id']}/skus"
    added = client.post(base, json={"code": "green", "price_fen": 0, "stock": 2}, headers=headers)
    assert added.status_code == 201
    sku_id = added.json()["id"]
    dup = client.post(base, json={"code": "red", "price_fen": 1}, headers=headers)
    assert dup.status_code == 409
    assert dup.json()["code"] == "duplicate_sku_code"
    changed = client.patch(f"{base}/{sku_id}", json={"price_fen": 99}, headers=headers)
    assert changed.json()["price_fen"] == 99
    assert changed.json()["stock"] == 2
    clash = client.patch(f"{base}/{sku_id}", json={"code": "blue"}, headers=headers)
    assert clash.status_code == 409
    negative = client.patch(f"{base}/{sku_id}", json={"price_fen": -1}, headers=headers)
    assert negative.status_code == 422
    assert negative.json()["errors"][0]["field"] == "body.price_fen"
    assert client.delete(f"{base}/{sku_id}", headers=headers).status_code == 204
    remaining = client.get(
        f"/api/v1/shops/{shop.id}/products/{product['id']}", headers=headers
    ).json()["skus"]
    assert [s["code"] for s in remaining] == ["red", "blue"]
    client.delete(f"{base}/{remaining[1]['id']}", headers=headers)
    last = client.delete(f"{base}/{remaining[0]['id']}", headers=headers)
    assert last.status_code == 409
    assert last.json()["code"] == "last_sku"


def test_inventory_delta_and_set_never_below_zero(
    client: TestClient, engine: Engine, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    headers = factory.headers(owner)
    _, sku = factory.product(shop, stock=4)
    url = f"/api/v1/shops/{shop.id}/skus/{sku.id}/inventory"
    added = client.post(url, json={"delta": 6}, headers=headers)
    assert added.status_code == 200
    assert added.json()["stock"] == 10
    assert added.json()["delta"] == 6
    taken = client.post(url, json={"delta": -11}, headers=headers)
    assert taken.status_code == 422
    assert taken.json()["code"] == "negative_stock"
    set_to = client.post(url, json={"set": 3}, headers=headers)
    assert set_to.json() | {"sku": None} == {"sku": None, "delta": -7, "stock": 3}
    assert client.post(url, json={"set": -1}, headers=headers).status_code == 422
    assert client.post(url, json={}, headers=headers).status_code == 422
    assert client.post(url, json={"set": 1, "delta": 1}, headers=headers).status_code == 422
    events = _events(engine, "inventory_changed")
    assert [(e.payload["delta"], e.payload["stock"]) for e in events] == [(6, 10), (-7, 3)]
    assert [e.sequence for e in events] == [1, 2]
    assert events[0].payload["sku"]["id"] == sku.id


def test_permissions_by_area(client: TestClient, factory: Factory) -> None:
    shop = factory.shop()
    category = factory.category()
    clerk = factory.headers(factory.member(shop, areas=["orders"]))
    catalog = factory.headers(factory.member(shop, areas=["products"]))
    url = f"/api/v1/shops/{shop.id}/products"
    denied = client.post(url, json=_body(category.id), headers=clerk)
    assert denied.status_code == 403
    assert client.get(url, headers=clerk).status_code == 403
    assert client.post(url, json=_body(category.id), headers=catalog).status_code == 201


def test_pagination(
    client: TestClient, merchant: tuple[m.Shop, dict[str, str], m.Category]
) -> None:
    shop, headers, category = merchant
    ids = [
        client.post(
            f"/api/v1/shops/{shop.id}/products", json=_body(category.id), headers=headers
        ).json()["id"]
        for _ in range(3)
    ]
    url = f"/api/v1/shops/{shop.id}/products"
    first = client.get(url, params={"limit": 2}, headers=headers).json()
    second = client.get(
        url, params={"limit": 2, "cursor": first["next_cursor"]}, headers=headers
    ).json()
    assert [p["id"] for p in first["items"] + second["items"]] == ids
    assert second["next_cursor"] is None


_text = st.text(max_size=130)
_sku = st.fixed_dictionaries(
    {
        "code": _text,
        "price_fen": st.integers(min_value=-5, max_value=2**40),
        "stock": st.integers(min_value=-5, max_value=2**40),
    },
    optional={"options": st.dictionaries(_text, _text, max_size=3)},
)
_product = st.fixed_dictionaries(
    {
        "category_id": st.one_of(st.integers(min_value=-1, max_value=2**70), st.just(1)),
        "title": _text,
        "skus": st.lists(_sku, max_size=3),
    },
    optional={
        "description": _text,
        "condition": st.sampled_from(["new", "second_hand", "used", ""]),
        "self_pickup": st.one_of(st.booleans(), st.none(), st.text(max_size=3)),
        "sellable_provinces": st.lists(
            st.one_of(st.sampled_from(["11", "44", "81", "00", "99"]), _text), max_size=4
        ),
        "external_ref": st.one_of(st.none(), _text),
    },
)


def test_product_create_never_5xx(
    client: TestClient, merchant: tuple[m.Shop, dict[str, str], m.Category]
) -> None:
    shop, headers, _ = merchant

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(body=_product)
    def check(body: dict[str, Any]) -> None:
        response = client.post(f"/api/v1/shops/{shop.id}/products", json=body, headers=headers)
        assert response.status_code < 500, (body, response.text)
        if response.status_code == 201:
            assert response.json()["title"] == body["title"]

    check()
