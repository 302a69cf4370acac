"""Placing, paying, cancelling and completing orders; the merchant's view of them."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import core.models as m
from tests.conftest import Factory


def order_body(sku_id: int, quantity: int = 1, **kw: Any) -> dict[str, Any]:
    """A valid order request body for one SKU."""
    body: dict[str, Any] = {
        "lines": [{"sku_id": sku_id, "quantity": quantity}],
        "recipient_name": "Han Meimei",
        "recipient_phone": "13912345678",
        "province_code": "31",
        "address": "88 Huaihai Road",
        "self_pickup": False,
    }
    body.update(kw)
    return body


def place(
    client: TestClient,
    shop_id: int,
    headers: dict[str, str],
    body: dict[str, Any],
    key: str = "key-1",
) -> Any:
    """POST an order with an Idempotency-Key."""
    return client.post(
        f"/api/v1/storefront/shops/{shop_id}/orders",
        json=body,
        headers={**headers, "Idempotency-Key": key},
    )


def stock_of(engine: Engine, sku_id: int) -> int:
    with Session(engine) as session:
        sku = session.get(m.Sku, sku_id)
        assert sku is not None
        return sku.stock


def events(engine: Engine, name: str) -> list[m.OutboxEvent]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(m.OutboxEvent).where(m.OutboxEvent.name == name).order_by(m.OutboxEvent.id)  # type: ignore[arg-type]
            ).all()
        )


def test_place_order_prices_lines_and_takes_stock(
    client: TestClient, engine: Engine, factory: Factory
) -> None:
    shop = factory.shop()
    product, sku = factory.product(shop, stock=5, price_fen=1250)
    buyer = factory.headers(factory.account())
    response = place(client, shop.id, buyer, order_body(sku.id, 3))
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["status"] == "pending_payment"
    assert order["subtotal_fen"] == 3750
    assert order["adjustments_fen"] == 0
    assert order["total_fen"] == 3750
    assert order["lines"] == [
        {
            "id": order["lines"][0]["id"],
            "product_id": product.id,
            "sku_id": sku.id,
            "title": product.title,
            "quantity": 3,
            "unit_price_fen": 1250,
            "line_total_fen": 3750,
        }
    ]
    assert order["recipient_name"] == "Han Meimei"
    assert stock_of(engine, sku.id) == 2
    created = events(engine, "order_created")
    assert len(created) == 1
    assert created[0].payload["order"]["lines"][0]["quantity"] == 3
    assert created[0].payload["order"]["recipient_phone"] is None  # events carry no PII
    inventory = events(engine, "inventory_changed")
    assert [(e.payload["delta"], e.payload["reason"]) for e in inventory] == [(-3, "order_placed")]

    mine = client.get("/api/v1/me/orders", headers=buyer).json()["items"]
    assert [o["id"] for o in mine] == [order["id"]]
    one = client.get(f"/api/v1/me/orders/{order['id']}", headers=buyer)
    assert one.json()["total_fen"] == 3750
    stranger = factory.headers(factory.account())
    assert client.get(f"/api/v1/me/orders/{order['id']}", headers=stranger).status_code == 404
    assert client.get("/api/v1/me/orders", headers=stranger).json()["items"] == []


def test_ordering_needs_a_token_and_a_key(client: TestClient, factory: Factory) -> None:
    shop = factory.shop()
    _, sku = factory.product(shop)
    url = f"/api/v1/storefront/shops/{shop.id}/orders"
    assert client.post(url, json=order_body(sku.id)).status_code == 401
    missing = client.post(url, json=order_body(sku.id), headers=factory.headers(factory.account()))
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "header.Idempotency-Key"
    too_long = place(
        client, shop.id, factory.headers(factory.account()), order_body(sku.id), "k" * 101
    )
    assert too_long.status_code == 422


def test_region_rule(client: TestClient, engine: Engine, factory: Factory) -> None:
    shop = factory.shop()
    _, anywhere = factory.product(shop)
    _, south = factory.product(shop, provinces=["44", "45"])
    buyer = factory.headers(factory.account())
    body = order_body(anywhere.id, province_code="11")
    body["lines"].append({"sku_id": south.id, "quantity": 1})
    refused = place(client, shop.id, buyer, body)
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["code"] == "not_sellable_in_region"
    assert problem["errors"][0]["field"] == "body.lines[1].sku_id"
    assert stock_of(engine, anywhere.id) == 10
    body["province_code"] = "44"
    assert place(client, shop.id, buyer, body, "key-2").status_code == 201
    unknown = place(client, shop.id, buyer, order_body(anywhere.id, province_code="99"), "k3")
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "body.province_code"


def test_listing_and_shop_rules(client: TestClient, engine: Engine, factory: Factory) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    _, draft_sku = factory.product(shop, listed=False)
    buyer = factory.headers(factory.account())
    not_listed = place(client, shop.id, buyer, order_body(draft_sku.id))
    assert not_listed.status_code == 409
    assert not_listed.json()["code"] == "product_not_listed"
    assert not_listed.json()["errors"][0]["field"] == "body.lines[0].sku_id"

    other_shop = factory.shop()
    _, foreign = factory.product(other_shop)
    wrong = place(client, shop.id, buyer, order_body(foreign.id), "k2")
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "unknown_sku"

    closed = factory.shop(open=False)
    _, closed_sku = factory.product(closed)
    refused = place(client, closed.id, buyer, order_body(closed_sku.id), "k3")
    assert refused.status_code == 409
    assert refused.json()["code"] == "shop_not_open"
    assert stock_of(engine, closed_sku.id) == 10


def test_quantity_and_duplicates(client: TestClient, factory: Factory) -> None:
    shop = factory.shop()
    _, sku = factory.product(shop, stock=2000)
    buyer = factory.headers(factory.account())
    for quantity in (0, 1000, -1):
        response = place(client, shop.id, buyer, order_body(sku.id, quantity), f"q{quantity}")
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "body.lines[0].quantity"
    body = order_body(sku.id)
    body["lines"].append({"sku_id": sku.id, "quantity": 2})
    dup = place(client, shop.id, buyer, body, "dup")
    assert dup.status_code == 422
    assert dup.json()["errors"][0]["field"] == "body.lines[1].sku_id"
    assert place(client, shop.id, buyer, order_body(sku.id, 999), "max").status_code == 201


def test_out_of_stock_names_the_sku(client: TestClient, engine: Engine, factory: Factory) -> None:
    shop = factory.shop()
    _, plenty = factory.product(shop, stock=10)
    _, scarce = factory.product(shop, stock=1)
    buyer = factory.headers(factory.account())
    body = order_body(plenty.id, 2)
    body["lines"].append({"sku_id": scarce.id, "quantity": 2})
    response = place(client, shop.id, buyer, body)
    assert response.status_code == 409
    problem = response.json()
    assert problem["code"] == "out_of_stock"
    assert problem["sku_id"] == scarce.id
    assert problem["errors"][0]["field"] == "body.lines[1].sku_id"
    assert stock_of(engine, plenty.id) == 10
    assert stock_of(engine, scarce.id) == 1
    with Session(engine) as session:
        assert session.exec(select(m.Order)).all() == []


def test_self_pickup(client: TestClient, factory: Factory, engine: Engine) -> None:
    shop = factory.shop()
    product, sku = factory.product(shop, provinces=["44"])
    buyer = factory.headers(factory.account())
    refused = place(client, shop.id, buyer, order_body(sku.id, self_pickup=True, address=""))
    assert refused.json()["code"] == "self_pickup_unavailable"
    with Session(engine) as session:
        row = session.get(m.Product, product.id)
        assert row is not None
        row.self_pickup = True
        session.add(row)
        session.commit()
    no_store = place(client, shop.id, buyer, order_body(sku.id, self_pickup=True), "k1")
    assert no_store.json()["code"] == "no_pickup_store"  # tests/core/test_pickup.py
    with Session(engine) as session:
        session.add(
            m.PickupStore(
                shop_id=shop.id, name="Desk", province_code="31", address="1", hours="9-5"
            )
        )
        session.commit()
    picked = place(client, shop.id, buyer, order_body(sku.id, self_pickup=True, address=""), "k2")
    assert picked.status_code == 201  # province 31 is fine: nothing ships
    no_address = place(
        client, shop.id, buyer, order_body(sku.id, province_code="44", address=" "), "k3"
    )
    assert no_address.json()["errors"][0]["field"] == "body.address"


def test_pay_moves_to_paid_and_records_event(
    client: TestClient, engine: Engine, factory: Factory
) -> None:
    shop = factory.shop()
    _, sku = factory.product(shop)
    buyer = factory.headers(factory.account())
    order = place(client, shop.id, buyer, order_body(sku.id)).json()
    paid = client.post(f"/api/v1/me/orders/{order['id']}/pay", headers=buyer)
    assert paid.status_code == 200
    assert paid.json()["status"] == "paid"
    assert paid.json()["payment_ref"].startswith("sandbox_")
    assert paid.json()["paid_at"] is not None
    recorded = events(engine, "order_paid")
    assert len(recorded) == 1
    assert recorded[0].resource_id == order["id"]
    assert recorded[0].payload["order"]["status"] == "paid"
    assert recorded[0].payload["order"]["lines"][0]["sku_id"] == sku.id
    assert recorded[0].sequence == 2  # after order_created
    again = client.post(f"/api/v1/me/orders/{order['id']}/pay", headers=buyer)
    assert again.status_code == 409
    assert again.json()["code"] == "order_not_payable"
    other = factory.headers(factory.account())
    assert client.post(f"/api/v1/me/orders/{order['id']}/pay", headers=other).status_code == 404


def test_buyer_cancel_releases_stock_once(
    client: TestClient, engine: Engine, factory: Factory
) -> None:
    shop = factory.shop()
    _, sku = factory.product(shop, stock=5)
    buyer = factory.headers(factory.account())
    order = place(client, shop.id, buyer, order_body(sku.id, 4)).json()
    assert stock_of(engine, sku.id) == 1
    url = f"/api/v1/me/orders/{order['id']}/cancel"
    cancelled = client.post(url, json={"reason": "changed my mind"}, headers=buyer)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancel_reason"] == "changed my mind"
    assert stock_of(engine, sku.id) == 5
    again = client.post(url, headers=buyer)
    assert again.status_code == 409
    assert stock_of(engine, sku.id) == 5
    released = [e for e in events(engine, "inventory_changed") if e.payload["delta"] > 0]
    assert [e.payload["delta"] for e in released] == [4]
    assert len(events(engine, "order_cancelled")) == 1


def test_buyer_cannot_cancel_paid_order_but_merchant_can(
    client: TestClient, engine: Engine, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    merchant = factory.headers(owner)
    _, sku = factory.product(shop, stock=3)
    buyer = factory.headers(factory.account())
    order = place(client, shop.id, buyer, order_body(sku.id, 3)).json()
    client.post(f"/api/v1/me/orders/{order['id']}/pay", headers=buyer)
    refused = client.post(f"/api/v1/me/orders/{order['id']}/cancel", headers=buyer)
    assert refused.status_code == 409
    assert refused.json()["code"] == "cancel_not_allowed"
    url = f"/api/v1/shops/{shop.id}/orders/{order['id']}/cancel"
    done = client.post(url, json={"reason": "no courier"}, headers=merchant)
    assert done.status_code == 200
    assert done.json()["status"] == "cancelled"
    assert done.json()["refunded_fen"] == done.json()["total_fen"]
    assert done.json()["cancelled_by"] == "merchant"
    assert stock_of(engine, sku.id) == 3
    assert client.post(url, headers=merchant).status_code == 409
    assert stock_of(engine, sku.id) == 3


def test_delivery_and_receipt(client: TestClient, engine: Engine, factory: Factory) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    merchant = factory.headers(owner)
    _, sku = factory.product(shop)
    buyer = factory.headers(factory.account())
    order = place(client, shop.id, buyer, order_body(sku.id)).json()
    confirm = f"/api/v1/me/orders/{order['id']}/confirm-receipt"
    deliver = f"/api/v1/shops/{shop.id}/orders/{order['id']}/mark-delivered"
    assert client.post(confirm, headers=buyer).status_code == 409
    assert client.post(deliver, headers=merchant).status_code == 409  # not shipped yet
    client.post(f"/api/v1/me/orders/{order['id']}/pay", headers=buyer)
    with Session(engine) as session:  # shipping belongs to the shipments service
        row = session.get(m.Order, order["id"])
        assert row is not None
        row.status = m.OrderStatus.shipped
        session.add(row)
        session.commit()
    delivered = client.post(deliver, headers=merchant)
    assert delivered.status_code == 200
    assert delivered.json()["status"] == "delivered"
    completed = client.post(confirm, headers=buyer)
    assert completed.json()["status"] == "completed"
    assert completed.json()["completed_at"] is not None
    assert [e.name for e in events(engine, "order_completed")] == ["order_completed"]


def test_merchant_sees_pii_only_with_permission(client: TestClient, factory: Factory) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    _, sku = factory.product(shop)
    buyer = factory.headers(factory.account())
    order = place(client, shop.id, buyer, order_body(sku.id)).json()
    url = f"/api/v1/shops/{shop.id}/orders/{order['id']}"
    full = client.get(url, headers=factory.headers(owner)).json()
    assert full["recipient_phone"] == "13912345678"
    assert full["pii_redacted"] is False
    assert full["lines"][0]["sku_id"] == sku.id

    from core.security import new_token, token_hash

    raw = new_token("tz_oat")
    factory._save(
        m.AccessToken(
            token_hash=token_hash(raw),
            kind="oauth",
            scopes=["orders:read"],
            shop_id=shop.id,
        )
    )
    service = {"Authorization": f"Bearer {raw}"}
    redacted = client.get(url, headers=service).json()
    assert redacted["recipient_name"] is None
    assert redacted["recipient_phone"] is None
    assert redacted["address"] is None
    assert redacted["pii_redacted"] is True
    listed = client.get(f"/api/v1/shops/{shop.id}/orders", headers=service).json()["items"]
    assert [o["recipient_phone"] for o in listed] == [None]
    filtered = client.get(
        f"/api/v1/shops/{shop.id}/orders", params={"status": "paid"}, headers=service
    )
    assert filtered.json()["items"] == []
    assert client.post(f"{url}/cancel", headers=service).status_code == 403
    # a service cannot buy
    refused = place(client, shop.id, service, order_body(sku.id), "svc")
    assert refused.status_code == 403
