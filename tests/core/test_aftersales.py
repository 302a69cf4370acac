"""After-sales: buyer requests, merchant decisions, refunds on the order, the deadline."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

import core.models as m
from core.models.base import utcnow
from core.services.aftersales import RESPONSE_WINDOW, expire_overdue_aftersales
from tests.conftest import Factory


class World:
    """A shop, its owner, a buyer and a paid order of 5000 fen."""

    def __init__(self, factory: Factory, status: m.OrderStatus = m.OrderStatus.paid) -> None:
        self.owner = factory.account()
        self.shop = factory.shop(self.owner)
        self.buyer = factory.account()
        self.order, self.lines = factory.order(self.shop, self.buyer, status=status)
        self.buyer_h = factory.headers(self.buyer)
        self.owner_h = factory.headers(self.owner)

    @property
    def mine(self) -> str:
        return f"/api/v1/me/orders/{self.order.id}/aftersales"

    @property
    def shop_url(self) -> str:
        return f"/api/v1/shops/{self.shop.id}/aftersales"


def _request(client: TestClient, w: World, **body: Any) -> Any:
    response = client.post(w.mine, json={"reason": "Not as described", **body}, headers=w.buyer_h)
    assert response.status_code == 201, response.text
    return response.json()


def test_refund_only_full_flow_adjusts_refunded_fen(
    client: TestClient, factory: Factory, engine: Engine
) -> None:
    w = World(factory)
    before = utcnow()
    created = _request(client, w, kind="refund_only", amount_fen=1200)
    assert created["status"] == "requested"
    assert created["amount_fen"] == 1200
    assert created["buyer_id"] == w.buyer.id
    respond_by = created["respond_by"]
    assert respond_by is not None

    deadline = datetime.fromisoformat(respond_by)
    assert before + RESPONSE_WINDOW <= deadline <= utcnow() + RESPONSE_WINDOW

    listed = client.get(w.mine, headers=w.buyer_h).json()
    assert [a["id"] for a in listed["items"]] == [created["id"]]
    shop_list = client.get(w.shop_url, params={"status": "requested"}, headers=w.owner_h).json()
    assert [a["id"] for a in shop_list["items"]] == [created["id"]]

    accepted = client.post(f"{w.shop_url}/{created['id']}/accept", headers=w.owner_h)
    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    assert body["status"] == "completed"
    assert body["outcome"] == "refunded"
    assert body["refunded_fen"] == 1200
    assert body["auto_accepted"] is False
    assert factory.fetch(m.Order, w.order.id).refunded_fen == 1200

    events = factory.events("aftersale", created["id"])
    assert [e.name for e in events] == ["aftersale_requested", "aftersale_resolved"]
    assert [e.sequence for e in events] == [1, 2]
    assert events[1].payload["outcome"] == "refunded"
    assert events[1].payload["aftersale"]["refunded_fen"] == 1200

    # a decided request takes no second decision
    again = client.post(f"{w.shop_url}/{created['id']}/accept", headers=w.owner_h)
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_aftersale_transition"
    assert (
        client.get(w.shop_url, params={"status": "requested"}, headers=w.owner_h).json()["items"]
        == []
    )


def test_over_refund_is_refused_with_the_field_path(client: TestClient, factory: Factory) -> None:
    w = World(factory)  # total 5000
    _request(client, w, kind="refund_only", amount_fen=3000)  # open: holds 3000
    response = client.post(
        w.mine,
        json={"kind": "return_and_refund", "amount_fen": 2001, "reason": "Broken"},
        headers=w.buyer_h,
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["errors"][0]["field"] == "body.amount_fen"
    assert problem["refundable_fen"] == 2000
    zero = client.post(
        w.mine, json={"kind": "refund_only", "amount_fen": 0, "reason": "x"}, headers=w.buyer_h
    )
    assert zero.status_code == 422
    assert zero.json()["errors"][0]["field"] == "body.amount_fen"
    negative = client.post(
        w.mine, json={"kind": "refund_only", "amount_fen": -5, "reason": "x"}, headers=w.buyer_h
    )
    assert negative.status_code == 422
    assert negative.json()["errors"][0]["field"] == "body.amount_fen"
    # the rest is still available
    _request(client, w, kind="refund_only", amount_fen=2000)


def test_only_the_buyer_on_an_eligible_order(client: TestClient, factory: Factory) -> None:
    w = World(factory)
    stranger = factory.headers(factory.account())
    body = {"kind": "refund_only", "amount_fen": 100, "reason": "x"}
    assert client.post(w.mine, json=body, headers=stranger).status_code == 404
    assert client.get(w.mine, headers=stranger).status_code == 404
    pending, _ = factory.order(w.shop, w.buyer, status=m.OrderStatus.pending_payment)
    response = client.post(
        f"/api/v1/me/orders/{pending.id}/aftersales", json=body, headers=w.buyer_h
    )
    assert response.status_code == 409
    assert response.json()["code"] == "order_not_eligible"
    cancelled, _ = factory.order(w.shop, w.buyer, status=m.OrderStatus.cancelled)
    response = client.post(
        f"/api/v1/me/orders/{cancelled.id}/aftersales", json=body, headers=w.buyer_h
    )
    assert response.status_code == 409


def test_reject_needs_a_reason(client: TestClient, factory: Factory, engine: Engine) -> None:
    w = World(factory)
    created = _request(client, w, kind="refund_only", amount_fen=500)
    url = f"{w.shop_url}/{created['id']}/reject"
    missing = client.post(url, json={}, headers=w.owner_h)
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "body.reason"
    blank = client.post(url, json={"reason": "   "}, headers=w.owner_h)
    assert blank.status_code == 422
    assert blank.json()["errors"][0]["field"] == "body.reason"
    too_long = client.post(url, json={"reason": "x" * 501}, headers=w.owner_h)
    assert too_long.status_code == 422

    rejected = client.post(url, json={"reason": "Item was used"}, headers=w.owner_h)
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["decision_reason"] == "Item was used"
    assert rejected.json()["outcome"] == "rejected"
    assert factory.fetch(m.Order, w.order.id).refunded_fen == 0
    events = factory.events("aftersale", created["id"])
    assert events[-1].name == "aftersale_resolved"
    assert events[-1].payload["outcome"] == "rejected"
    # the rejected amount is free again
    _request(client, w, kind="refund_only", amount_fen=5000)


def test_return_and_refund_flow(client: TestClient, factory: Factory, engine: Engine) -> None:
    w = World(factory, status=m.OrderStatus.delivered)
    created = _request(client, w, kind="return_and_refund", amount_fen=2000)
    return_url = f"{w.mine}/{created['id']}/return-shipment"
    parcel = {"carrier_code": "SF", "waybill_no": "SF1234567890123"}

    early = client.post(return_url, json=parcel, headers=w.buyer_h)
    assert early.status_code == 409  # not accepted yet

    accepted = client.post(f"{w.shop_url}/{created['id']}/accept", headers=w.owner_h).json()
    assert accepted["status"] == "accepted"
    assert accepted["accepted_at"] is not None
    assert factory.fetch(m.Order, w.order.id).refunded_fen == 0

    not_yet = client.post(f"{w.shop_url}/{created['id']}/complete", headers=w.owner_h)
    assert not_yet.status_code == 409
    assert not_yet.json()["code"] == "return_not_shipped"

    bad = client.post(
        return_url, json={"carrier_code": "SF", "waybill_no": "12345"}, headers=w.buyer_h
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "body.waybill_no"
    other = factory.headers(factory.account())
    assert client.post(return_url, json=parcel, headers=other).status_code == 404

    sent = client.post(return_url, json=parcel, headers=w.buyer_h)
    assert sent.status_code == 200, sent.text
    assert sent.json()["return_carrier_code"] == "SF"
    assert sent.json()["return_waybill"] == "SF1234567890123"

    done = client.post(f"{w.shop_url}/{created['id']}/complete", headers=w.owner_h)
    assert done.status_code == 200
    assert done.json()["status"] == "completed"
    assert done.json()["outcome"] == "refunded"
    assert factory.fetch(m.Order, w.order.id).refunded_fen == 2000
    names = [e.name for e in factory.events("aftersale", created["id"])]
    assert names == [
        "aftersale_requested",
        "aftersale_updated",
        "aftersale_updated",
        "aftersale_resolved",
    ]


def test_exchange_has_no_amount_and_no_refund(
    client: TestClient, factory: Factory, engine: Engine
) -> None:
    w = World(factory, status=m.OrderStatus.shipped)
    with_amount = client.post(
        w.mine,
        json={"kind": "exchange", "amount_fen": 100, "reason": "Wrong size"},
        headers=w.buyer_h,
    )
    assert with_amount.status_code == 422
    assert with_amount.json()["errors"][0]["field"] == "body.amount_fen"
    created = _request(client, w, kind="exchange")
    assert created["amount_fen"] == 0
    # an exchange holds no money: the whole total can still be refunded
    _request(client, w, kind="refund_only", amount_fen=5000)
    no_return = client.post(
        f"{w.mine}/{created['id']}/return-shipment",
        json={"carrier_code": "ZTO", "waybill_no": "773000000000"},
        headers=w.buyer_h,
    )
    assert no_return.status_code == 409
    client.post(f"{w.shop_url}/{created['id']}/accept", headers=w.owner_h)
    # the exchange completes when the replacement goes out (tests/core/test_exchange.py)
    early = client.post(f"{w.shop_url}/{created['id']}/complete", headers=w.owner_h)
    assert early.status_code == 409
    assert early.json()["code"] == "replacement_not_shipped"
    assert factory.fetch(m.Order, w.order.id).refunded_fen == 0


def test_overdue_requests_are_accepted_for_the_silent_merchant(
    client: TestClient, factory: Factory, engine: Engine
) -> None:
    w = World(factory)
    refund = _request(client, w, kind="refund_only", amount_fen=1000)
    ret = _request(client, w, kind="return_and_refund", amount_fen=1000)
    answered = _request(client, w, kind="refund_only", amount_fen=500)
    client.post(f"{w.shop_url}/{answered['id']}/reject", json={"reason": "no"}, headers=w.owner_h)

    with Session(engine) as session:
        assert expire_overdue_aftersales(session, now=utcnow() + timedelta(hours=47)) == []
        accepted = expire_overdue_aftersales(
            session, now=utcnow() + RESPONSE_WINDOW + timedelta(minutes=1)
        )
        session.commit()
        assert sorted(a.id for a in accepted) == sorted([refund["id"], ret["id"]])

    got = {a["id"]: a for a in client.get(w.shop_url, headers=w.owner_h).json()["items"]}
    assert got[refund["id"]]["status"] == "completed"
    assert got[refund["id"]]["auto_accepted"] is True
    assert got[ret["id"]]["status"] == "accepted"
    assert got[ret["id"]]["auto_accepted"] is True
    assert got[answered["id"]]["status"] == "rejected"
    assert factory.fetch(m.Order, w.order.id).refunded_fen == 1000
    with Session(engine) as session:  # running again changes nothing
        assert expire_overdue_aftersales(session, now=utcnow() + timedelta(days=5)) == []


def test_shop_routes_guard_and_paginate(client: TestClient, factory: Factory) -> None:
    w = World(factory)
    ids = [_request(client, w, kind="refund_only", amount_fen=100)["id"] for _ in range(3)]
    first = client.get(w.shop_url, params={"limit": 2}, headers=w.owner_h).json()
    assert [a["id"] for a in first["items"]] == ids[:2]
    second = client.get(
        w.shop_url, params={"limit": 2, "cursor": first["next_cursor"]}, headers=w.owner_h
    ).json()
    assert [a["id"] for a in second["items"]] == ids[2:]
    assert second["next_cursor"] is None

    outsider = factory.headers(factory.account())
    assert client.get(w.shop_url, headers=outsider).status_code == 404
    assert client.post(f"{w.shop_url}/{ids[0]}/accept", headers=outsider).status_code == 404
    packer = factory.headers(factory.member(w.shop, areas=["logistics"]))
    denied = client.post(f"{w.shop_url}/{ids[0]}/accept", headers=packer)
    assert denied.status_code == 403
    clerk = factory.headers(factory.member(w.shop, areas=["orders"]))
    assert client.get(f"{w.shop_url}/{ids[0]}", headers=clerk).status_code == 200
    # another shop cannot reach this shop's request through its own id
    other_shop = factory.shop(w.owner)
    response = client.get(f"/api/v1/shops/{other_shop.id}/aftersales/{ids[0]}", headers=w.owner_h)
    assert response.status_code == 404
