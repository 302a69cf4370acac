"""Shipments: carriers and waybills, parcels moving the order, tracking, access."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

import core.models as m
from core.services.carriers import CarrierRegistry, builtin_registry
from tests.conftest import Factory


class World:
    """A shop, its owner and a paid order of two lines."""

    def __init__(self, factory: Factory) -> None:
        self.owner = factory.account()
        self.shop = factory.shop(self.owner)
        self.order, self.lines = factory.order(self.shop)
        self.h = factory.headers(self.owner)

    @property
    def parcels(self) -> str:
        return f"/api/v1/shops/{self.shop.id}/orders/{self.order.id}/shipments"

    def tracking(self, shipment_id: int) -> str:
        return f"/api/v1/shops/{self.shop.id}/shipments/{shipment_id}/tracking"


def test_first_parcel_ships_the_order_and_writes_events(
    client: TestClient, factory: Factory, engine: Engine
) -> None:
    w = World(factory)
    response = client.post(
        w.parcels,
        json={"carrier_code": "sf", "waybill_no": "SF 1234 5678 9012", "line_ids": [w.lines[0].id]},
        headers=w.h,
    )
    assert response.status_code == 201, response.text
    first = response.json()
    assert first["carrier_code"] == "SF"
    assert first["carrier_name"] == "顺丰速运"
    assert first["waybill_no"] == "SF123456789012"
    assert first["line_ids"] == [w.lines[0].id]
    assert first["status"] == "in_transit"
    assert first["tracking"] == []
    order = factory.fetch(m.Order, w.order.id)
    assert order.status == m.OrderStatus.shipped
    assert order.shipped_at is not None

    order_events = factory.events("order", w.order.id)
    assert [e.name for e in order_events] == ["order_shipped"]
    shipment_events = factory.events("shipment", first["id"])
    assert [(e.name, e.sequence) for e in shipment_events] == [("shipment_created", 1)]
    assert shipment_events[0].payload["shipment"]["waybill_no"] == "SF123456789012"
    assert shipment_events[0].shop_id == w.shop.id

    # a second parcel does not move the order again
    second = client.post(
        w.parcels,
        json={"carrier_code": "ZTO", "waybill_no": "773012345678", "line_ids": [w.lines[1].id]},
        headers=w.h,
    )
    assert second.status_code == 201
    assert [e.name for e in factory.events("order", w.order.id)] == ["order_shipped"]

    listed = client.get(w.parcels, headers=w.h).json()
    assert [s["id"] for s in listed["items"]] == [first["id"], second.json()["id"]]
    shop_list = client.get(
        f"/api/v1/shops/{w.shop.id}/shipments", params={"limit": 1}, headers=w.h
    ).json()
    assert [s["id"] for s in shop_list["items"]] == [first["id"]]
    assert shop_list["next_cursor"]
    page2 = client.get(
        f"/api/v1/shops/{w.shop.id}/shipments",
        params={"limit": 1, "cursor": shop_list["next_cursor"]},
        headers=w.h,
    ).json()
    assert [s["id"] for s in page2["items"]] == [second.json()["id"]]


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"carrier_code": "NOPE", "waybill_no": "123456789012"}, "body.carrier_code", None),
        ({"carrier_code": "SF", "waybill_no": "12345"}, "body.waybill_no", "invalid_waybill"),
        ({"carrier_code": "JD", "waybill_no": "SF1234567890123"}, "body.waybill_no", None),
        ({"carrier_code": "EMS", "waybill_no": "EA123456789CN!"}, "body.waybill_no", None),
        ({"carrier_code": "SF", "waybill_no": "x" * 41}, "body.waybill_no", None),
        ({"carrier_code": "SF"}, "body.waybill_no", None),
    ],
)
def test_unknown_carrier_or_bad_waybill_is_422_with_field(
    client: TestClient,
    factory: Factory,
    engine: Engine,
    body: dict[str, str],
    field: str,
    code: str | None,
) -> None:
    w = World(factory)
    response = client.post(w.parcels, json=body, headers=w.h)
    assert response.status_code == 422
    problem = response.json()
    assert problem["errors"][0]["field"] == field
    if code:
        assert problem["code"] == code
    assert factory.fetch(m.Order, w.order.id).status == m.OrderStatus.paid


def test_foreign_line_is_422_with_its_index(client: TestClient, factory: Factory) -> None:
    w = World(factory)
    _, other_lines = factory.order(w.shop)
    response = client.post(
        w.parcels,
        json={
            "carrier_code": "YTO",
            "waybill_no": "YT1234567890123",
            "line_ids": [w.lines[0].id, other_lines[0].id],
        },
        headers=w.h,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.line_ids[1]"


def test_duplicate_waybill_is_409(client: TestClient, factory: Factory) -> None:
    w = World(factory)
    body = {"carrier_code": "YUNDA", "waybill_no": "4312345678901"}
    assert client.post(w.parcels, json=body, headers=w.h).status_code == 201
    again = client.post(w.parcels, json=body, headers=w.h)
    assert again.status_code == 409
    assert again.json()["code"] == "duplicate_waybill"
    # even on another shop's order: a waybill is one parcel
    other = World(factory)
    assert client.post(other.parcels, json=body, headers=other.h).status_code == 409
    # the same number with another carrier is another parcel
    sto = {"carrier_code": "STO", "waybill_no": "4312345678901"}
    assert client.post(w.parcels, json=sto, headers=w.h).status_code == 201


def test_unpaid_or_pickup_orders_are_not_shipped(client: TestClient, factory: Factory) -> None:
    w = World(factory)
    body = {"carrier_code": "EMS", "waybill_no": "EA123456789CN"}
    pending, _ = factory.order(w.shop, status=m.OrderStatus.pending_payment)
    url = f"/api/v1/shops/{w.shop.id}/orders/{pending.id}/shipments"
    response = client.post(url, json=body, headers=w.h)
    assert response.status_code == 409
    assert response.json()["code"] == "order_not_shippable"
    pickup, _ = factory.order(w.shop, self_pickup=True)
    url = f"/api/v1/shops/{w.shop.id}/orders/{pickup.id}/shipments"
    assert client.post(url, json=body, headers=w.h).json()["code"] == "self_pickup_order"


def test_delivered_on_every_parcel_delivers_the_order(
    client: TestClient, factory: Factory, engine: Engine
) -> None:
    w = World(factory)
    a = client.post(
        w.parcels,
        json={"carrier_code": "JD", "waybill_no": "JDVA12345678901", "line_ids": [w.lines[0].id]},
        headers=w.h,
    ).json()
    b = client.post(
        w.parcels,
        json={"carrier_code": "SF", "waybill_no": "123456789012345", "line_ids": [w.lines[1].id]},
        headers=w.h,
    ).json()

    scan = client.post(
        w.tracking(a["id"]),
        json={"status": "out_for_delivery", "location": "Shanghai", "description": "派送中"},
        headers=w.h,
    )
    assert scan.status_code == 201, scan.text
    assert scan.json()["status"] == "out_for_delivery"
    assert scan.json()["tracking"][0]["location"] == "Shanghai"

    delivered_a = client.post(w.tracking(a["id"]), json={"status": "delivered"}, headers=w.h)
    assert delivered_a.json()["status"] == "delivered"
    assert delivered_a.json()["delivered_at"] is not None
    assert factory.fetch(m.Order, w.order.id).status == m.OrderStatus.shipped  # b is still en route

    client.post(w.tracking(b["id"]), json={"status": "delivered"}, headers=w.h)
    order = factory.fetch(m.Order, w.order.id)
    assert order.status == m.OrderStatus.delivered
    assert order.delivered_at is not None
    assert [e.name for e in factory.events("order", w.order.id)] == [
        "order_shipped",
        "order_delivered",
    ]
    events = factory.events("shipment", a["id"])
    assert [(e.name, e.sequence) for e in events] == [
        ("shipment_created", 1),
        ("tracking_updated", 2),
        ("tracking_updated", 3),
    ]
    assert events[2].payload["tracking_event"]["status"] == "delivered"
    assert events[2].payload["shipment"]["status"] == "delivered"

    late = client.post(w.tracking(a["id"]), json={"status": "in_transit"}, headers=w.h)
    assert late.status_code == 409
    bad = client.post(w.tracking(a["id"]), json={"status": "lost-ish"}, headers=w.h)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "body.status"

    got = client.get(f"/api/v1/shops/{w.shop.id}/shipments/{a['id']}", headers=w.h).json()
    assert [t["status"] for t in got["tracking"]] == ["out_for_delivery", "delivered"]


def test_non_member_404_and_member_without_logistics_403(
    client: TestClient, factory: Factory
) -> None:
    w = World(factory)
    body = {"carrier_code": "SF", "waybill_no": "SF1234567890123"}
    created = client.post(w.parcels, json=body, headers=w.h).json()
    outsider = factory.headers(factory.account())
    assert client.get(w.parcels, headers=outsider).status_code == 404
    assert client.post(w.parcels, json=body, headers=outsider).status_code == 404
    one = f"/api/v1/shops/{w.shop.id}/shipments/{created['id']}"
    assert client.get(one, headers=outsider).status_code == 404

    clerk = factory.headers(factory.member(w.shop, areas=["orders", "products"]))
    denied = client.get(w.parcels, headers=clerk)
    assert denied.status_code == 403
    assert denied.json()["code"] == "missing_permission"
    second = {"carrier_code": "SF", "waybill_no": "SF1234567890124"}
    assert client.post(w.parcels, json=second, headers=clerk).status_code == 403
    packer = factory.headers(factory.member(w.shop, areas=["logistics"]))
    assert client.get(one, headers=packer).status_code == 200
    assert client.post(w.parcels, json=second, headers=packer).status_code == 201

    # a shipment of another shop is not found through this shop
    other = World(factory)
    url = f"/api/v1/shops/{other.shop.id}/shipments/{created['id']}"
    assert client.get(url, headers=other.h).status_code == 404
    foreign_order = f"/api/v1/shops/{other.shop.id}/orders/{w.order.id}/shipments"
    assert client.post(foreign_order, json=second, headers=other.h).status_code == 404


def test_carrier_registry_is_extensible() -> None:
    registry = builtin_registry()
    assert {c.code for c in registry.all()} == {"SF", "ZTO", "YTO", "YUNDA", "STO", "JD", "EMS"}
    assert registry.validate("SF", "sf1234567890123")[1] == "SF1234567890123"
    registry.register("DBL", "德邦快递", r"DPK\d{12}|\d{10}")
    assert "dbl" in registry
    assert registry.validate("DBL", "DPK123456789012")[0].name == "德邦快递"
    with pytest.raises(ValueError):
        registry.register("SF", "Fake SF", r".*")
    with pytest.raises(ValueError):
        registry.register("bad code!", "x", r"\d+")
    with pytest.raises(ValueError):
        registry.register("XX", "x", r"(")
    registry.unregister("DBL")
    assert registry.get("DBL") is None
    assert isinstance(registry, CarrierRegistry)
