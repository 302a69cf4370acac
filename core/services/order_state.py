"""The order state machine, shared by orders, payments, shipments and after-sales."""

from __future__ import annotations

from sqlmodel import Session

from core.errors import InvalidState
from core.models import Order, OrderStatus
from core.models.base import utcnow
from core.outbox import record_event
from core.services.order_views import order_snapshot

S = OrderStatus

#: Which states each state may move to.
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.pending_payment: frozenset({S.paid, S.cancelled}),
    # paid -> completed: a self-pickup order collected with its code (core.services.pickup)
    S.paid: frozenset({S.shipped, S.cancelled, S.completed}),
    S.shipped: frozenset({S.delivered}),
    S.delivered: frozenset({S.completed}),
    S.completed: frozenset(),
    S.cancelled: frozenset(),
}

#: The timestamp column and the event each target state sets and publishes.
_EFFECTS: dict[OrderStatus, tuple[str, str]] = {
    S.paid: ("paid_at", "order_paid"),
    S.shipped: ("shipped_at", "order_shipped"),
    S.delivered: ("delivered_at", "order_delivered"),
    S.completed: ("completed_at", "order_completed"),
    S.cancelled: ("cancelled_at", "order_cancelled"),
}


def move_order(session: Session, order: Order, to: OrderStatus) -> Order:
    """Move ``order`` to ``to``, stamping its time and writing the event to the outbox.

    Raises :class:`InvalidState` naming the current and wanted states when not allowed.
    """
    if to not in TRANSITIONS[order.status]:
        raise InvalidState(
            f"An order that is {order.status.value} cannot become {to.value}.",
            code="invalid_order_transition",
            extra={"from_status": order.status.value, "to_status": to.value},
        )
    order.status = to
    column, event_name = _EFFECTS[to]
    setattr(order, column, utcnow())
    session.add(order)
    session.flush()
    assert order.id is not None
    record_event(
        session,
        name=event_name,
        shop_id=order.shop_id,
        resource_type="order",
        resource_id=order.id,
        data=order_snapshot(session, order),
    )
    return order
