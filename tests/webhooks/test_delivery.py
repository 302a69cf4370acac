"""Signed deliveries to a remote app's own server: an order paid in the shop reaches a real
HTTP receiver as a signed ``order.paid`` webhook, through the outbox and the job queue."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from huey import Huey
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import core.models as m
from core.plugins import delivery, fanout
from core.settings import Settings
from sdk import OrderEvent
from sdk.remote import EVENT_ID_HEADER, TOPIC_HEADER
from tests.conftest import Factory
from tests.webhooks.conftest import Receiver, remote_app, run_queue


def _buy(client: TestClient, factory: Factory, shop: m.Shop) -> dict[str, Any]:
    """A buyer places and pays an order through the API; returns the paid order."""
    _, sku = factory.product(shop, price_fen=1250)
    buyer = factory.headers(factory.account())
    placed = client.post(
        f"/api/v1/storefront/shops/{shop.id}/orders",
        json={
            "lines": [{"sku_id": sku.id, "quantity": 2}],
            "recipient_name": "Li Lei",
            "recipient_phone": "13800000000",
            "province_code": "31",
            "address": "1 Nanjing Road",
        },
        headers={**buyer, "Idempotency-Key": f"order-{sku.id}"},
    )
    assert placed.status_code == 201, placed.text
    paid = client.post(f"/api/v1/me/orders/{placed.json()['id']}/pay", headers=buyer)
    assert paid.status_code == 200, paid.text
    return paid.json()


def test_a_paid_order_reaches_the_remote_app_signed(
    client: TestClient,
    factory: Factory,
    settings: Settings,
    engine: Engine,
    huey: Huey,
    receiver: Receiver,
) -> None:
    shop = factory.shop()
    installation, _ = remote_app(factory, settings, shop, url=receiver.url, topics=["order.paid"])
    order = _buy(client, factory, shop)

    run_queue(huey, lambda: len(receiver.received) >= 1)

    [got] = receiver.received
    assert got.verified, got.error
    event = got.event
    assert (event.topic, event.shop_id, event.installation_id) == (
        "order.paid",
        shop.id,
        installation.id,
    )
    assert (event.resource_type, event.resource_id, event.sequence) == ("order", order["id"], 2)
    assert got.headers[EVENT_ID_HEADER] == event.event_id
    assert got.headers[TOPIC_HEADER] == "order.paid"
    payload = event.payload()
    assert isinstance(payload, OrderEvent)
    assert (payload.order.id, payload.order.status, payload.order.total_fen) == (
        order["id"],
        "paid",
        2500,
    )
    assert payload.order.recipient_name is None  # events never carry the buyer's details
    [outbox] = factory.events("order", order["id"])[1:]
    assert event.event_id == outbox.event_id
    run_queue(huey, lambda: _statuses(engine) == ["delivered"])


def _statuses(engine: Engine) -> list[str]:
    with Session(engine) as session:
        rows = session.exec(select(m.Delivery).order_by(m.Delivery.id)).all()
        return [r.status.value for r in rows]


def test_only_subscribed_topics_are_delivered(
    app: FastAPI,
    client: TestClient,
    factory: Factory,
    settings: Settings,
    engine: Engine,
    receiver: Receiver,
) -> None:
    """``order.created`` fires too, but the app subscribed to ``order.paid`` only; another
    app in the same shop subscribed to both gets both, each signed with its own secret."""
    shop = factory.shop()
    remote_app(factory, settings, shop, url=receiver.url, topics=["order.paid"])
    other = Receiver(secret="whsec_other")
    other.start()
    try:
        remote_app(
            factory,
            settings,
            shop,
            url=other.url,
            topics=["order.created", "order.paid"],
            slug="other_app",
            secret="whsec_other",
        )
        _buy(client, factory, shop)
        host = app.state.runtime.host
        results = [
            delivery.deliver(engine, host, i, secret_key=settings.secret_key)
            for i in fanout.dispatch_outbox(engine, host)
        ]
        assert [r.status for r in results] == ["delivered"] * 3
        assert [e.topic for e in receiver.events()] == ["order.paid"]
        assert [e.topic for e in other.events()] == ["order.created", "order.paid"]
        assert all(r.verified for r in [*receiver.received, *other.received])
    finally:
        other.stop()


def test_a_non_2xx_answer_is_a_failure_with_the_status_kept(
    app: FastAPI, factory: Factory, settings: Settings, engine: Engine, receiver: Receiver
) -> None:
    shop = factory.shop()
    remote_app(factory, settings, shop, url=receiver.url, topics=["order.paid"])
    order, _ = factory.order(shop)
    _emit_paid(engine, shop.id, order.id)
    receiver.status = 410
    host = app.state.runtime.host
    [delivery_id] = fanout.dispatch_outbox(engine, host)
    result = delivery.deliver(engine, host, delivery_id, secret_key=settings.secret_key)
    assert (result.status, result.retry_in_s) == ("failed", delivery.BACKOFF_SCHEDULE_S[0])
    assert result.error == "HTTP 410: ok"
    assert len(receiver.received) == 1  # it did arrive; the app refused it


def test_a_secret_that_cannot_be_read_fails_only_that_delivery(
    app: FastAPI, factory: Factory, settings: Settings, engine: Engine, receiver: Receiver
) -> None:
    shop = factory.shop()
    remote_app(factory, settings, shop, url=receiver.url, topics=["order.paid"])
    order, _ = factory.order(shop)
    _emit_paid(engine, shop.id, order.id)
    host = app.state.runtime.host
    [delivery_id] = fanout.dispatch_outbox(engine, host)
    result = delivery.deliver(engine, host, delivery_id, secret_key="another-key")
    assert result.status == "failed"
    assert "no readable webhook secret" in result.error
    assert receiver.received == []


def _emit_paid(engine: Engine, shop_id: int, order_id: int) -> str:
    from core.outbox import record_event

    with Session(engine) as session:
        event_id = record_event(
            session,
            name="order_paid",
            shop_id=shop_id,
            resource_type="order",
            resource_id=order_id,
            data={"order": {"id": order_id, "shop_id": shop_id, "status": "paid"}},
        )
        session.commit()
    return event_id
