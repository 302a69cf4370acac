"""Paying an order: the provider is called with no order lock held, and a crash between the
charge and the commit is resolved by a retry (paid once, charged once).

Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

import core.models as m
import core.services.order_views as order_views
import core.services.orders as orders
from core.services.payments import PaymentFailed, PaymentResult
from tests.conftest import Factory


def order_is_locked(engine: Engine, order_id: int) -> bool:
    """Whether another transaction holds the order row (PostgreSQL) or the write lock
    (SQLite), tried from a separate connection that gives up after half a second."""
    if engine.dialect.name == "sqlite":
        probe = create_engine(engine.url, connect_args={"timeout": 0.5})
        try:
            with probe.connect() as conn:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                conn.exec_driver_sql("ROLLBACK")
            return False
        except OperationalError:
            return True
        finally:
            probe.dispose()
    with engine.connect() as conn:
        try:
            conn.execute(
                text('SELECT id FROM "order" WHERE id = :id FOR UPDATE NOWAIT'), {"id": order_id}
            )
            return False
        except OperationalError:
            return True
        finally:
            conn.rollback()


class RecordingProvider:
    """A provider that honours idempotency keys like a real one: one charge per key."""

    name = "recording"

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.calls: list[str] = []
        self.charges: dict[str, str] = {}
        self.locked_during_call: list[bool] = []
        self.refunds: list[str] = []
        self.decline = False

    def charge(
        self, *, order_id: int, amount_fen: int, currency: str, idempotency_key: str
    ) -> PaymentResult:
        self.calls.append(idempotency_key)
        self.locked_during_call.append(order_is_locked(self.engine, order_id))
        if self.decline:
            raise PaymentFailed("Card declined.", code="card_declined")
        ref = self.charges.setdefault(idempotency_key, f"ch_{len(self.charges) + 1}")
        return PaymentResult(payment_ref=ref, provider=self.name)

    def refund(self, *, payment_ref: str, amount_fen: int, currency: str) -> str:
        self.refunds.append(payment_ref)
        return f"re_{payment_ref}"


def _pending_order(factory: Factory) -> m.Order:
    order, _ = factory.order(factory.shop(), status=m.OrderStatus.pending_payment)
    return order


def _attempts(engine: Engine, order_id: int) -> list[m.PaymentAttempt]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(m.PaymentAttempt).where(m.PaymentAttempt.order_id == order_id)
            ).all()
        )


def test_the_provider_is_called_with_no_lock_held(engine: Engine, factory: Factory) -> None:
    order = _pending_order(factory)
    provider = RecordingProvider(engine)
    with Session(engine) as session:
        row = order_views.get_order(session, order_id=order.id, lock=True)
        orders.pay_order(session, order=row, provider=provider)
        session.commit()
    assert provider.locked_during_call == [False]
    assert factory.fetch(m.Order, order.id).status == m.OrderStatus.paid


def test_a_crash_after_the_charge_is_resolved_by_a_retry(
    engine: Engine, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = _pending_order(factory)
    provider = RecordingProvider(engine)
    real_move = orders.move_order

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the process died here")

    monkeypatch.setattr(orders, "move_order", crash)
    with Session(engine) as session:
        with pytest.raises(RuntimeError):
            orders.pay_order(session, order=session.get(m.Order, order.id), provider=provider)
        session.rollback()  # what a dead process's connection amounts to
    assert factory.fetch(m.Order, order.id).status == m.OrderStatus.pending_payment
    [attempt] = _attempts(engine, order.id)
    assert attempt.status == m.PaymentAttemptStatus.pending

    monkeypatch.setattr(orders, "move_order", real_move)
    with Session(engine) as session:
        orders.pay_order(session, order=session.get(m.Order, order.id), provider=provider)
        session.commit()

    paid = factory.fetch(m.Order, order.id)
    assert paid.status == m.OrderStatus.paid
    assert paid.payment_ref == "ch_1"
    assert provider.calls == [attempt.idempotency_key] * 2  # the retry sent the same key
    assert len(provider.charges) == 1  # so the money moved once
    [done] = _attempts(engine, order.id)
    assert (done.status, done.payment_ref) == (m.PaymentAttemptStatus.succeeded, "ch_1")
    assert [e.name for e in factory.events("order", order.id)].count("order_paid") == 1
    # paying again is refused, nothing charged
    with Session(engine) as session, pytest.raises(orders.InvalidState):
        orders.pay_order(session, order=session.get(m.Order, order.id), provider=provider)
    assert len(provider.calls) == 2


def test_a_declined_charge_is_kept_and_the_next_try_gets_a_new_key(
    engine: Engine, factory: Factory
) -> None:
    order = _pending_order(factory)
    provider = RecordingProvider(engine)
    provider.decline = True
    with Session(engine) as session:
        with pytest.raises(orders.PaymentDeclined) as declined:
            orders.pay_order(session, order=session.get(m.Order, order.id), provider=provider)
        session.rollback()
    assert declined.value.status == 402
    [failed] = _attempts(engine, order.id)
    assert (failed.status, failed.error) == (m.PaymentAttemptStatus.failed, "Card declined.")

    provider.decline = False
    with Session(engine) as session:
        orders.pay_order(session, order=session.get(m.Order, order.id), provider=provider)
        session.commit()
    assert factory.fetch(m.Order, order.id).status == m.OrderStatus.paid
    assert len(set(provider.calls)) == 2


def test_an_order_cancelled_while_charging_is_refunded(engine: Engine, factory: Factory) -> None:
    order = _pending_order(factory)
    provider = RecordingProvider(engine)
    real_charge = provider.charge

    def charge_while_the_buyer_cancels(**kwargs: object) -> PaymentResult:
        result = real_charge(**kwargs)  # type: ignore[arg-type]
        with Session(engine) as other:
            row = other.get(m.Order, order.id)
            assert row is not None
            orders.cancel_order(other, order=row, by="buyer")
            other.commit()
        return result

    provider.charge = charge_while_the_buyer_cancels  # type: ignore[method-assign]
    with Session(engine) as session, pytest.raises(orders.InvalidState):
        orders.pay_order(session, order=session.get(m.Order, order.id), provider=provider)
    assert factory.fetch(m.Order, order.id).status == m.OrderStatus.cancelled
    assert provider.refunds == ["ch_1"]
