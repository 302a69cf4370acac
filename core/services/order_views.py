"""Order views: the API view of orders, the event snapshot, and the queries that find them.

Read-only; the write paths (placement, payment, cancellation) are
:mod:`core.services.orders`, status changes :mod:`core.services.order_state`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from core.errors import NotFound
from core.models import Order, OrderLine, OrderStatus
from core.schemas.orders import OrderLinePublic, OrderPublic

# -- views ---------------------------------------------------------------------------------


def lines_by_order(session: Session, order_ids: Sequence[int]) -> dict[int, list[OrderLine]]:
    """The lines of each order, ordered by id, in one query."""
    out: dict[int, list[OrderLine]] = {oid: [] for oid in order_ids}
    if not order_ids:
        return out
    for line in session.exec(
        select(OrderLine).where(col(OrderLine.order_id).in_(order_ids)).order_by(col(OrderLine.id))
    ).all():
        out[line.order_id].append(line)
    return out


def order_public(
    session: Session,
    order: Order,
    *,
    lines: Sequence[OrderLine] | None = None,
    include_pii: bool = True,
    for_merchant: bool = False,
) -> OrderPublic:
    """The API view of ``order`` with its lines (loaded when not given).

    Without ``include_pii`` the recipient's name, phone and address are ``None``; the
    merchant's note and flag only ``for_merchant`` (a buyer never sees them).
    """
    assert order.id is not None
    if lines is None:
        lines = lines_by_order(session, [order.id])[order.id]
    return OrderPublic(
        id=order.id,
        shop_id=order.shop_id,
        buyer_id=order.buyer_id,
        status=order.status,
        currency=order.currency,
        subtotal_fen=order.subtotal_fen,
        adjustments_fen=order.adjustments_fen,
        shipping_fen=order.shipping_fen,
        total_fen=order.total_fen,
        refunded_fen=order.refunded_fen,
        self_pickup=order.self_pickup,
        province_code=order.province_code,
        recipient_name=order.recipient_name if include_pii else None,
        recipient_phone=order.recipient_phone if include_pii else None,
        address=order.address if include_pii else None,
        pii_redacted=not include_pii,
        payment_ref=order.payment_ref,
        cancel_reason=order.cancel_reason,
        cancelled_by=order.cancelled_by,
        created_at=order.created_at,
        paid_at=order.paid_at,
        shipped_at=order.shipped_at,
        delivered_at=order.delivered_at,
        completed_at=order.completed_at,
        cancelled_at=order.cancelled_at,
        lines=[
            OrderLinePublic(
                id=line.id or 0,
                product_id=line.product_id,
                sku_id=line.sku_id,
                title=line.title,
                quantity=line.quantity,
                unit_price_fen=line.unit_price_fen,
                line_total_fen=line.quantity * line.unit_price_fen,
            )
            for line in lines
        ],
        merchant_note=order.merchant_note if for_merchant else None,
        merchant_flag=order.merchant_flag if for_merchant else None,
    )


def orders_public(
    session: Session,
    orders: Sequence[Order],
    *,
    include_pii: bool = True,
    for_merchant: bool = False,
) -> list[OrderPublic]:
    """API views of many orders, loading all their lines in one query."""
    lines = lines_by_order(session, [o.id for o in orders if o.id is not None])
    return [
        order_public(
            session,
            o,
            lines=lines[o.id or 0],
            include_pii=include_pii,
            for_merchant=for_merchant,
        )
        for o in orders
    ]


def order_snapshot(
    session: Session, order: Order, *, lines: Sequence[OrderLine] | None = None
) -> dict[str, Any]:
    """The event data for ``order``: ``{"order": OrderPublic json}`` with its lines.

    Events leave out the recipient's name, phone and address (``pii_redacted``); a service
    holding ``orders:pii`` reads them from the API.
    """
    view = order_public(session, order, lines=lines, include_pii=False)
    return {"order": view.model_dump(mode="json")}


# -- reading -------------------------------------------------------------------------------


def orders_query(
    *,
    shop_id: int | None = None,
    buyer_id: int | None = None,
    status: OrderStatus | None = None,
    placed_from: datetime | None = None,
    placed_before: datetime | None = None,
    recipient_phone: str | None = None,
) -> SelectOfScalar[Order]:
    """The statement for a shop's or a buyer's orders, optionally of one status, placed in
    ``[placed_from, placed_before)``, to a recipient phone (spaces and dashes ignored; a
    caller must hold ``orders:pii`` to filter on it)."""
    statement = select(Order)
    if shop_id is not None:
        statement = statement.where(Order.shop_id == shop_id)
    if buyer_id is not None:
        statement = statement.where(Order.buyer_id == buyer_id)
    if status is not None:
        statement = statement.where(Order.status == status)
    if placed_from is not None:
        statement = statement.where(col(Order.created_at) >= placed_from)
    if placed_before is not None:
        statement = statement.where(col(Order.created_at) < placed_before)
    phone = normalized_phone(recipient_phone or "")
    if phone:
        stored = func.replace(func.replace(col(Order.recipient_phone), " ", ""), "-", "")
        statement = statement.where(stored == phone)
    return statement


def normalized_phone(phone: str) -> str:
    """A phone number as compared by the filters: no spaces or dashes."""
    return phone.replace(" ", "").replace("-", "").strip()


def get_order(
    session: Session,
    *,
    order_id: int,
    shop_id: int | None = None,
    buyer_id: int | None = None,
    lock: bool = False,
) -> Order:
    """Order ``order_id`` of that shop and/or buyer, or :class:`NotFound`.

    With ``lock`` the row is locked for update (PostgreSQL): use it before changing status.
    """
    statement = orders_query(shop_id=shop_id, buyer_id=buyer_id).where(Order.id == order_id)
    if lock:
        statement = statement.with_for_update()
    order = session.exec(statement).first()
    if order is None:
        raise NotFound(f"Order {order_id} was not found.", code="order_not_found")
    return order
