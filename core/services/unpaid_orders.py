"""Unpaid orders: the platform cancels an order left unpaid past its shop's timeout.

Each shop sets :attr:`~core.models.Shop.unpaid_cancel_minutes` (30 by default). An order
still ``pending_payment`` that long after it was placed is cancelled ``by="system"`` and its
stock goes back, once. Services never commit; :mod:`core.jobs.schedules` runs this in
short transactions.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from core.models import Order, OrderStatus, Shop
from core.services.orders import cancel_order

#: The cancel reason recorded on orders the platform cancels for want of payment.
UNPAID_TIMEOUT_REASON = "unpaid_timeout"


def cancel_overdue_unpaid_orders(
    session: Session, *, now: datetime, limit: int = 200
) -> list[Order]:
    """Cancel up to ``limit`` orders whose shop's payment timeout has passed at ``now``.

    Rows another transaction holds are skipped (PostgreSQL ``SKIP LOCKED``; SQLite
    serializes writers), so two runs at once never cancel an order twice. Returns the
    orders cancelled, oldest first.
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    windows = session.exec(select(Shop.unpaid_cancel_minutes).distinct()).all()
    cancelled: list[Order] = []
    for minutes in sorted(windows):
        if len(cancelled) >= limit:
            break
        overdue = session.exec(
            select(Order)
            .join(Shop, col(Shop.id) == col(Order.shop_id))
            .where(
                Order.status == OrderStatus.pending_payment,
                Shop.unpaid_cancel_minutes == minutes,
                col(Order.created_at) <= now - timedelta(minutes=minutes),
            )
            .order_by(col(Order.id))
            .limit(limit - len(cancelled))
            .with_for_update(of=Order, skip_locked=True)
        ).all()
        for order in overdue:
            cancel_order(session, order=order, by="system", reason=UNPAID_TIMEOUT_REASON)
            cancelled.append(order)
    return cancelled
