"""Self pickup: pickup stores, the code a paid self-pickup order gets, completing the
order with it (wrong codes counted and locked out), and orders refused without a store."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

import core.models as m
from core.services.pickup import CODE_DIGITS, MAX_FAILED_ATTEMPTS
from tests.conftest import Factory

STORE = {
    "name": "Jing'an counter",
    "province_code": "31",
    "address": "1 Nanjing West Road",
    "hours": "Mon-Sun 09:00-21:00",
    "phone": "021 5555 0000",
}


class World:
    """A shop, its owner, a buyer and a listed product that may be picked up."""

    def __init__(self, factory: Factory, engine: Engine) -> None:
        self.factory = factory
        self.owner = factory.account()
        self.shop = factory.shop(self.owner)
        self.buyer = factory.account()
        self.product, self.sku = factory.product(self.shop, price_fen=1200, stock=20)
        with Session(engine) as session:
            product = session.get(m.Product, self.product.id)
            assert product is not None
            product.self_pickup = True
            session.add(product)
            session.commit()
        self.owner_h = factory.headers(self.owner)
        self.buyer_h = factory.headers(self.buyer)
        self.stores = f"/api/v1/shops/{self.shop.id}/pickup-stores"

    def place(self, client: TestClient, key: str, **extra: Any) -> Any:
        return client.post(
            f"/api/v1/storefront/shops/{self.shop.id}/orders",
            json={
                "lines": [{"sku_id": self.sku.id, "quantity": 1}],
                "recipient_name": "Li Lei",
                "recipient_phone": "13800000000",
                "province_code": "31",
                "self_pickup": True,
                **extra,
            },
            headers={**self.buyer_h, "Idempotency-Key": key},
        )

    def paid_order(self, client: TestClient, key: str) -> int:
        placed = self.place(client, key)
        assert placed.status_code == 201, placed.text
        order_id = int(placed.json()["id"])
        paid = client.post(f"/api/v1/me/orders/{order_id}/pay", headers=self.buyer_h)
        assert paid.status_code == 200, paid.text
        return order_id

    def pickup_url(self, order_id: int) -> str:
        return f"/api/v1/shops/{self.shop.id}/orders/{order_id}/pickup"


def test_self_pickup_is_refused_while_the_shop_has_no_store(
    client: TestClient, factory: Factory, engine: Engine
) -> None:
    w = World(factory, engine)
    refused = w.place(client, "no-store")
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "no_pickup_store"
    assert factory.fetch(m.Sku, w.sku.id).stock == 20  # nothing was reserved


def test_pickup_stores_crud_with_problem_details(
    client: TestClient, factory: Factory, engine: Engine
) -> None:
    w = World(factory, engine)
    bad = client.post(w.stores, json={**STORE, "province_code": "99"}, headers=w.owner_h)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "body.province_code"
    blank = client.post(w.stores, json={**STORE, "hours": "  "}, headers=w.owner_h)
    assert blank.status_code == 422
    assert blank.json()["errors"][0]["field"] == "body.hours"

    created = client.post(w.stores, json=STORE, headers=w.owner_h)
    assert created.status_code == 201, created.text
    store = created.json()
    assert store["name"] == "Jing'an counter" and store["shop_id"] == w.shop.id
    url = f"{w.stores}/{store['id']}"
    changed = client.put(url, json={**STORE, "hours": "Daily 10:00-20:00"}, headers=w.owner_h)
    assert changed.json()["hours"] == "Daily 10:00-20:00"
    assert [s["id"] for s in client.get(w.stores, headers=w.owner_h).json()] == [store["id"]]
    public = client.get(f"/api/v1/storefront/shops/{w.shop.id}/pickup-stores").json()
    assert [s["hours"] for s in public] == ["Daily 10:00-20:00"]

    other = factory.shop()
    foreign = f"/api/v1/shops/{other.id}/pickup-stores"
    assert client.get(foreign, headers=w.owner_h).status_code == 404  # not a member
    assert client.get(f"{w.stores}/999999", headers=w.owner_h).status_code == 404

    # a store an unpicked order waits at cannot go
    order_id = w.paid_order(client, "waiting")
    in_use = client.delete(url, headers=w.owner_h)
    assert in_use.status_code == 409
    assert in_use.json()["code"] == "pickup_store_in_use"
    assert in_use.json()["order_id"] == order_id


def test_paid_order_gets_a_code_only_the_buyer_sees_and_the_merchant_completes_with_it(
    client: TestClient, factory: Factory, engine: Engine
) -> None:
    w = World(factory, engine)
    store = client.post(w.stores, json=STORE, headers=w.owner_h).json()
    placed = w.place(client, "first")
    assert placed.status_code == 201
    order_id = placed.json()["id"]
    mine = client.get(f"/api/v1/me/orders/{order_id}/pickup", headers=w.buyer_h).json()
    assert mine["store"]["id"] == store["id"]
    assert mine["code"] is None  # not before payment
    client.post(f"/api/v1/me/orders/{order_id}/pay", headers=w.buyer_h)
    code = client.get(f"/api/v1/me/orders/{order_id}/pickup", headers=w.buyer_h).json()["code"]
    assert code is not None and len(code) == CODE_DIGITS and code.isdigit()
    merchant_view = client.get(w.pickup_url(order_id), headers=w.owner_h).json()
    assert merchant_view["code"] is None
    assert merchant_view["store"]["name"] == STORE["name"]
    # another buyer cannot read it
    stranger = factory.headers(factory.account())
    assert client.get(f"/api/v1/me/orders/{order_id}/pickup", headers=stranger).status_code == 404

    wrong = "0" * CODE_DIGITS if code != "0" * CODE_DIGITS else "1" * CODE_DIGITS
    refused = client.post(w.pickup_url(order_id), json={"code": wrong}, headers=w.owner_h)
    assert refused.status_code == 422
    body = refused.json()
    assert body["code"] == "wrong_pickup_code"
    assert body["errors"][0]["field"] == "body.code"
    assert body["attempts_left"] == MAX_FAILED_ATTEMPTS - 1
    assert factory.fetch(m.Order, order_id).status == m.OrderStatus.paid

    done = client.post(w.pickup_url(order_id), json={"code": f" {code} "}, headers=w.owner_h)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed"
    assert factory.fetch(m.OrderPickup, order_id).picked_up_at is not None
    names = [e.name for e in factory.events("order", order_id)]
    assert names[-2:] == ["order_picked_up", "order_completed"]
    again = client.post(w.pickup_url(order_id), json={"code": code}, headers=w.owner_h)
    assert again.status_code == 409
    assert again.json()["code"] == "order_not_ready_for_pickup"

    # each order has its own code
    second = w.paid_order(client, "second")
    other_code = client.get(f"/api/v1/me/orders/{second}/pickup", headers=w.buyer_h).json()
    assert other_code["code"] != code or other_code["order_id"] != order_id


def test_wrong_codes_lock_the_order_for_a_while(
    client: TestClient, factory: Factory, engine: Engine
) -> None:
    w = World(factory, engine)
    client.post(w.stores, json=STORE, headers=w.owner_h)
    order_id = w.paid_order(client, "guess")
    code = factory.fetch(m.OrderPickup, order_id).code
    wrong = "9" * CODE_DIGITS if code != "9" * CODE_DIGITS else "8" * CODE_DIGITS
    statuses = [
        client.post(w.pickup_url(order_id), json={"code": wrong}, headers=w.owner_h).status_code
        for _ in range(MAX_FAILED_ATTEMPTS)
    ]
    assert statuses == [422] * MAX_FAILED_ATTEMPTS
    locked = client.post(w.pickup_url(order_id), json={"code": code}, headers=w.owner_h)
    assert locked.status_code == 429
    assert locked.json()["code"] == "rate_limited"
    assert int(locked.headers["Retry-After"]) > 60
    assert factory.fetch(m.Order, order_id).status == m.OrderStatus.paid


def test_pickup_needs_the_orders_area_and_delivered_orders_refuse_it(
    client: TestClient, factory: Factory, engine: Engine
) -> None:
    w = World(factory, engine)
    client.post(w.stores, json=STORE, headers=w.owner_h)
    order_id = w.paid_order(client, "perm")
    code = factory.fetch(m.OrderPickup, order_id).code
    clerk = factory.member(w.shop, areas=["logistics"])
    denied = client.post(
        w.pickup_url(order_id), json={"code": code}, headers=factory.headers(clerk)
    )
    assert denied.status_code == 403
    delivered, _ = factory.order(w.shop)
    not_pickup = client.post(w.pickup_url(delivered.id), json={"code": "1"}, headers=w.owner_h)
    assert not_pickup.status_code == 409
    assert not_pickup.json()["code"] == "not_self_pickup"
    other_store = factory.shop()
    store_elsewhere = client.post(
        f"/api/v1/shops/{other_store.id}/pickup-stores", json=STORE, headers=w.owner_h
    )
    assert store_elsewhere.status_code == 404
    foreign = w.place(client, "foreign-store", pickup_store_id=999999)
    assert foreign.status_code == 422
    assert foreign.json()["errors"][0]["field"] == "body.pickup_store_id"
