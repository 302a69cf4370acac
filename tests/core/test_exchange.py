"""Exchanges: the buyer's return parcel, then the merchant's replacement parcel, which
completes the exchange; each step checked against the state machine."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

import core.models as m
from tests.conftest import Factory


class World:
    """A shop, its owner, a buyer, a shipped order, and an exchange request on it."""

    def __init__(self, client: TestClient, factory: Factory) -> None:
        self.owner = factory.account()
        self.shop = factory.shop(self.owner)
        self.buyer = factory.account()
        self.order, _ = factory.order(self.shop, self.buyer, status=m.OrderStatus.shipped)
        self.owner_h = factory.headers(self.owner)
        self.buyer_h = factory.headers(self.buyer)
        mine = f"/api/v1/me/orders/{self.order.id}/aftersales"
        made = client.post(
            mine, json={"kind": "exchange", "reason": "Wrong size"}, headers=self.buyer_h
        )
        assert made.status_code == 201, made.text
        self.id = made.json()["id"]
        self.return_url = f"{mine}/{self.id}/return-shipment"
        self.shop_url = f"/api/v1/shops/{self.shop.id}/aftersales/{self.id}"


def _post(client: TestClient, url: str, headers: dict[str, str], **body: Any) -> Any:
    return client.post(url, json=body, headers=headers)


def test_exchange_return_then_replacement_completes_it(
    client: TestClient, factory: Factory, engine: Engine
) -> None:
    w = World(client, factory)
    replacement = w.shop_url + "/replacement-shipment"
    # nothing moves before the merchant accepts
    early = _post(client, w.return_url, w.buyer_h, carrier_code="ZTO", waybill_no="773000000001")
    assert early.status_code == 409
    assert early.json()["code"] == "invalid_aftersale_transition"
    assert client.post(w.shop_url + "/accept", headers=w.owner_h).status_code == 200

    # the merchant cannot send the replacement before the return is on its way
    too_soon = _post(client, replacement, w.owner_h, carrier_code="SF", waybill_no="SF123456789012")
    assert too_soon.status_code == 409
    assert too_soon.json()["code"] == "return_not_shipped"

    bad = _post(client, w.return_url, w.buyer_h, carrier_code="ZTO", waybill_no="abc")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "body.waybill_no"
    sent = _post(client, w.return_url, w.buyer_h, carrier_code="zto", waybill_no="773000000001")
    assert sent.status_code == 200, sent.text
    assert sent.json()["return_carrier_code"] == "ZTO"
    assert sent.json()["return_waybill"] == "773000000001"
    assert sent.json()["status"] == "accepted"

    stranger = factory.headers(factory.account())
    assert (
        _post(client, w.return_url, stranger, carrier_code="ZTO", waybill_no="773000000002")
    ).status_code == 404
    clerk = factory.headers(factory.member(w.shop, areas=["products"]))
    assert (
        _post(client, replacement, clerk, carrier_code="SF", waybill_no="SF123456789012")
    ).status_code == 403

    # a waybill a shipment already uses is refused
    parcel = client.post(
        f"/api/v1/shops/{w.shop.id}/orders/{w.order.id}/shipments",
        json={"carrier_code": "SF", "waybill_no": "SF123456789099"},
        headers=w.owner_h,
    )
    assert parcel.status_code == 201, parcel.text
    dup = _post(client, replacement, w.owner_h, carrier_code="SF", waybill_no="SF123456789099")
    assert dup.status_code == 409
    assert dup.json()["code"] == "duplicate_waybill"

    done = _post(client, replacement, w.owner_h, carrier_code="SF", waybill_no="SF123456789012")
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["status"] == "completed"
    assert body["outcome"] == "exchanged"
    assert body["replacement_waybill"] == "SF123456789012"
    assert body["replacement_shipped_at"] is not None
    assert factory.fetch(m.Order, w.order.id).refunded_fen == 0
    names = [e.name for e in factory.events("aftersale", w.id)]
    assert names == [
        "aftersale_requested",
        "aftersale_updated",
        "aftersale_updated",
        "aftersale_resolved",
    ]
    last = factory.events("aftersale", w.id)[-1].payload
    assert last["aftersale"]["replacement_waybill"] == "SF123456789012"
    again = _post(client, replacement, w.owner_h, carrier_code="SF", waybill_no="SF123456789013")
    assert again.status_code == 409


def test_refund_requests_take_no_replacement_and_refund_only_no_return(
    client: TestClient, factory: Factory, engine: Engine
) -> None:
    w = World(client, factory)
    mine = f"/api/v1/me/orders/{w.order.id}/aftersales"
    refund = client.post(
        mine, json={"kind": "refund_only", "amount_fen": 100, "reason": "x"}, headers=w.buyer_h
    ).json()
    ret = client.post(
        mine,
        json={"kind": "return_and_refund", "amount_fen": 100, "reason": "x"},
        headers=w.buyer_h,
    ).json()
    shop = f"/api/v1/shops/{w.shop.id}/aftersales"
    client.post(f"{shop}/{ret['id']}/accept", headers=w.owner_h)
    no_replacement = _post(
        client,
        f"{shop}/{ret['id']}/replacement-shipment",
        w.owner_h,
        carrier_code="SF",
        waybill_no="SF123456789012",
    )
    assert no_replacement.status_code == 409
    assert no_replacement.json()["code"] == "no_replacement_expected"
    no_return = _post(
        client,
        f"{mine}/{refund['id']}/return-shipment",
        w.buyer_h,
        carrier_code="ZTO",
        waybill_no="773000000001",
    )
    assert no_return.status_code == 409
    assert no_return.json()["code"] == "no_return_expected"
