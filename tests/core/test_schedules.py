"""Periodic kernel work with a moved clock: unpaid orders cancelled after the shop's timeout
(stock released), after-sales accepted past ``respond_by``; two runs at once change nothing
twice. Runs on SQLite and, with ``TANZI_TEST_DATABASE_URL``, on PostgreSQL.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

import core.models as m
from core.jobs import schedules
from core.jobs.queue import build_runtime, create_huey
from core.jobs.runtime import binding_of
from core.models.base import utcnow
from core.services.unpaid_orders import UNPAID_TIMEOUT_REASON
from core.settings import Settings
from tests.conftest import Factory
from tests.core.test_orders import order_body, place, stock_of


def _events(engine: Engine, name: str) -> list[m.OutboxEvent]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(m.OutboxEvent)
                .where(m.OutboxEvent.name == name)
                .order_by(col(m.OutboxEvent.id))
            ).all()
        )


def _place_orders(
    client: TestClient, factory: Factory, shop: m.Shop, sku: m.Sku, count: int, quantity: int = 1
) -> list[int]:
    buyer = factory.headers(factory.account())
    ids = []
    for i in range(count):
        response = place(client, shop.id, buyer, order_body(sku.id, quantity), key=f"k-{i}")
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


def _at_once(run: Callable[[], int], runners: int = 2) -> list[int]:
    """Start ``runners`` threads on ``run`` behind one barrier; their results."""
    barrier = threading.Barrier(runners)
    results: list[Any] = [None] * runners

    def work(i: int) -> None:
        barrier.wait()
        try:
            results[i] = run()
        except BaseException as exc:  # reported below, with the thread's own error
            results[i] = exc

    threads = [threading.Thread(target=work, args=(i,)) for i in range(runners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


def test_unpaid_orders_are_cancelled_after_the_shops_timeout(
    client: TestClient, engine: Engine, factory: Factory
) -> None:
    quick = factory.shop()
    slow = factory.shop(unpaid_cancel_minutes=60)
    _, quick_sku = factory.product(quick, stock=10)
    _, slow_sku = factory.product(slow, stock=10)
    placed_at = utcnow()
    [quick_order] = _place_orders(client, factory, quick, quick_sku, 1, quantity=3)
    [slow_order] = _place_orders(client, factory, slow, slow_sku, 1, quantity=2)
    paid, _ = factory.order(quick, status=m.OrderStatus.paid)
    assert stock_of(engine, quick_sku.id) == 7

    assert schedules.cancel_unpaid_orders(engine, now=placed_at + timedelta(minutes=29)) == 0
    assert factory.fetch(m.Order, quick_order).status == m.OrderStatus.pending_payment

    assert schedules.cancel_unpaid_orders(engine, now=placed_at + timedelta(minutes=31)) == 1
    cancelled = factory.fetch(m.Order, quick_order)
    assert cancelled.status == m.OrderStatus.cancelled
    assert cancelled.cancelled_by == "system"
    assert cancelled.cancel_reason == UNPAID_TIMEOUT_REASON
    assert cancelled.stock_released is True
    assert stock_of(engine, quick_sku.id) == 10
    assert factory.fetch(m.Order, slow_order).status == m.OrderStatus.pending_payment
    assert factory.fetch(m.Order, paid.id).status == m.OrderStatus.paid

    assert schedules.cancel_unpaid_orders(engine, now=placed_at + timedelta(minutes=61)) == 1
    assert factory.fetch(m.Order, slow_order).status == m.OrderStatus.cancelled
    assert stock_of(engine, slow_sku.id) == 10
    # a later run finds nothing more to do
    assert schedules.cancel_unpaid_orders(engine, now=placed_at + timedelta(days=3)) == 0
    assert stock_of(engine, quick_sku.id) == 10
    assert factory.fetch(m.Order, paid.id).status == m.OrderStatus.paid
    assert [e.resource_id for e in _events(engine, "order_cancelled")] == [
        quick_order,
        slow_order,
    ]


def test_two_auto_cancel_runs_at_once_cancel_each_order_once(
    client: TestClient, engine: Engine, factory: Factory
) -> None:
    shop = factory.shop()
    _, sku = factory.product(shop, stock=100)
    ids = _place_orders(client, factory, shop, sku, 24, quantity=2)
    assert stock_of(engine, sku.id) == 52
    later = utcnow() + timedelta(minutes=31)

    counts = _at_once(lambda: schedules.cancel_unpaid_orders(engine, now=later))

    assert sum(counts) == 24, counts
    assert stock_of(engine, sku.id) == 100
    assert Counter(e.resource_id for e in _events(engine, "order_cancelled")) == {
        order_id: 1 for order_id in ids
    }
    releases = [
        e.payload["order_id"]
        for e in _events(engine, "inventory_changed")
        if e.payload["reason"] == "order_cancelled"
    ]
    assert Counter(releases) == {order_id: 1 for order_id in ids}
    for order_id in ids:
        assert factory.fetch(m.Order, order_id).status == m.OrderStatus.cancelled


def _aftersales(client: TestClient, factory: Factory, count: int) -> tuple[m.Order, list[int]]:
    shop = factory.shop()
    buyer = factory.account()
    order, _ = factory.order(shop, buyer, lines=((1, 100 * count),))
    url = f"/api/v1/me/orders/{order.id}/aftersales"
    ids = []
    for _ in range(count):
        response = client.post(
            url,
            json={"kind": "refund_only", "amount_fen": 100, "reason": "late"},
            headers=factory.headers(buyer),
        )
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return order, ids


def test_two_auto_accept_runs_at_once_accept_each_request_once(
    client: TestClient, engine: Engine, factory: Factory
) -> None:
    order, ids = _aftersales(client, factory, 12)
    assert schedules.auto_accept_aftersales(engine, now=utcnow() + timedelta(hours=47)) == 0
    later = utcnow() + timedelta(hours=49)

    counts = _at_once(lambda: schedules.auto_accept_aftersales(engine, now=later))

    assert sum(counts) == 12, counts
    assert factory.fetch(m.Order, order.id).refunded_fen == 1200
    resolved = _events(engine, "aftersale_resolved")
    assert Counter(e.resource_id for e in resolved) == {aftersale_id: 1 for aftersale_id in ids}
    for aftersale_id in ids:
        row = factory.fetch(m.AfterSale, aftersale_id)
        assert row.status == m.AfterSaleStatus.completed
        assert row.auto_accepted is True
        assert row.refunded_fen == 100
    assert schedules.auto_accept_aftersales(engine, now=later + timedelta(days=1)) == 0


def test_the_periodic_tasks_are_registered_and_run_idempotently(
    client: TestClient, settings: Settings, engine: Engine, factory: Factory
) -> None:
    huey = create_huey(settings)
    huey.flush()
    build_runtime(settings, engine=engine, huey=huey)
    due = {task.name for task in huey.read_periodic(datetime.now())}
    assert {
        "tanzi.cancel_unpaid_orders_periodic",
        "tanzi.auto_accept_aftersales_periodic",
        "tanzi.purge_files_periodic",
    } <= due

    shop = factory.shop()
    _, sku = factory.product(shop, stock=5)
    [order_id] = _place_orders(client, factory, shop, sku, 1, quantity=5)
    _, aftersale_ids = _aftersales(client, factory, 2)
    tasks = binding_of(huey).tasks
    later = utcnow() + timedelta(days=3)
    assert tasks["cancel_unpaid_orders"].call_local(later) == 1
    assert tasks["cancel_unpaid_orders"].call_local(later) == 0
    assert tasks["auto_accept_aftersales"].call_local(later) == 2
    assert tasks["auto_accept_aftersales"].call_local(later) == 0
    assert factory.fetch(m.Order, order_id).status == m.OrderStatus.cancelled
    assert stock_of(engine, sku.id) == 5
    for aftersale_id in aftersale_ids:
        assert factory.fetch(m.AfterSale, aftersale_id).auto_accepted is True
    assert huey.pending_count() >= 1  # the events' dispatch was requested


def test_the_shop_sets_its_unpaid_timeout_within_bounds(
    client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner, settlement_bank="ICBC")
    url = f"/api/v1/shops/{shop.id}"
    headers = factory.headers(owner)
    assert client.get(url, headers=headers).json()["unpaid_cancel_minutes"] == 30
    changed = client.patch(url, json={"unpaid_cancel_minutes": 120}, headers=headers)
    assert changed.status_code == 200, changed.text
    assert changed.json()["unpaid_cancel_minutes"] == 120
    for bad in (0, 4, 24 * 60 + 1):
        refused = client.patch(url, json={"unpaid_cancel_minutes": bad}, headers=headers)
        assert refused.status_code == 422, refused.text
    assert factory.fetch(m.Shop, shop.id).unpaid_cancel_minutes == 120
