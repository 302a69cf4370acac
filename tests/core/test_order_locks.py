"""Nothing slow runs while a SKU is locked: the ``order_adjustments`` decision prices a
snapshot first, and :func:`lock_skus` reads rows fresh under the lock.

Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

import core.models as m
from core.errors import Conflict
from core.plugins.decisions import read_only_engine
from core.schemas.orders import OrderCreate
from core.services.inventory import lock_skus
from core.services.orders import Adjuster, place_order_with_lines
from sdk.models import OrderDraft
from tests.conftest import Factory
from tests.core.test_orders import order_body, stock_of


def _placer(engine: Engine, shop: m.Shop, sku: m.Sku) -> Callable[[str, Adjuster | None], int]:
    """Places one order of ``sku`` in its own sessions, as the API does; gives its id."""
    reader = read_only_engine(engine)
    buyer = Factory(engine).account()

    def place(key: str, adjust: Adjuster | None) -> int:
        with Session(engine) as session, Session(reader) as read_session:
            placed = place_order_with_lines(
                session,
                shop_id=shop.id,
                buyer_id=buyer.id,
                idempotency_key=key,
                data=OrderCreate.model_validate(order_body(sku.id)),
                adjust=adjust,
                read_session=read_session,
            )
            session.commit()
            assert placed.order.id is not None
            return placed.order.id

    return place


def test_a_slow_decision_does_not_hold_the_sku_lock(engine: Engine, factory: Factory) -> None:
    shop = factory.shop()
    _, sku = factory.product(shop, stock=10, price_fen=1000)
    place = _placer(engine, shop, sku)
    deciding, release = threading.Event(), threading.Event()

    def slow_coupon(draft: OrderDraft) -> int:
        deciding.set()
        release.wait(20)
        return -100

    with ThreadPoolExecutor(max_workers=2) as pool:
        slow = pool.submit(place, "slow", slow_coupon)
        assert deciding.wait(20), "the decision never ran"
        fast = pool.submit(place, "fast", None)
        try:
            # the plain order on the same SKU completes while the decision is still thinking
            fast_id = fast.result(timeout=8)
            assert not slow.done()
        finally:
            release.set()
        slow_id = slow.result(timeout=30)

    assert stock_of(engine, sku.id) == 8
    assert factory.fetch(m.Order, fast_id).total_fen == 1000
    assert factory.fetch(m.Order, slow_id).total_fen == 900


def test_a_price_changed_during_the_decision_is_refused(engine: Engine, factory: Factory) -> None:
    shop = factory.shop()
    _, sku = factory.product(shop, stock=10, price_fen=1000)
    place = _placer(engine, shop, sku)

    def coupon_while_the_price_changes(draft: OrderDraft) -> int:
        with Session(engine) as other:
            row = other.get(m.Sku, sku.id)
            assert row is not None
            row.price_fen = 5000
            other.commit()
        return -100

    with pytest.raises(Conflict) as refused:
        place("k", coupon_while_the_price_changes)
    assert refused.value.code == "order_prices_changed"
    assert stock_of(engine, sku.id) == 10
    # priced again on the new price, it goes through
    order_id = place("k2", lambda draft: -draft.subtotal_fen // 10)
    assert factory.fetch(m.Order, order_id).total_fen == 4500


def test_lock_skus_reads_fresh_stock_for_a_caller_that_loaded_the_sku(
    engine: Engine, factory: Factory
) -> None:
    shop = factory.shop()
    _, sku = factory.product(shop, stock=10)
    with Session(engine, expire_on_commit=False) as session:
        loaded = session.get(m.Sku, sku.id)
        assert loaded is not None and loaded.stock == 10
        session.commit()
        with Session(engine) as other:  # someone sells 7 meanwhile
            row = other.get(m.Sku, sku.id)
            assert row is not None
            row.stock = 3
            other.commit()
        locked = lock_skus(session, shop_id=shop.id, sku_ids=[sku.id])
        assert locked[sku.id][0] is loaded
        assert loaded.stock == 3
