"""Stock: lock SKUs in a deadlock-free order, move stock, release an order's stock once.

Every stock change writes an ``inventory_changed`` event with
``{"sku": SkuPublic json, "delta": ..., "stock": ..., "reason": ..., "order_id": ...}``
(and ``"note"`` when a person gave one); :func:`inventory_history` reads them back.

Concurrency: on PostgreSQL the SKU rows are locked with ``SELECT ... FOR UPDATE`` in SKU
id order, so two orders that share SKUs wait for each other instead of deadlocking; on
SQLite every transaction starts with ``BEGIN IMMEDIATE`` (see :mod:`core.db`), which
already serializes writers, and ``FOR UPDATE`` is left out of the SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from core.errors import InvalidInput
from core.models import Order, OrderLine, OutboxEvent, Product, Shop, ShopStatus, Sku
from core.outbox import record_event
from core.schemas.products import SkuPublic

#: A SKU with its product and its shop's status.
SkuRow = tuple[Sku, Product, ShopStatus]

#: Why a person changes stock by hand (``manual`` when the caller does not say).
ADJUSTMENT_REASONS: tuple[str, ...] = (
    "manual",
    "restock",
    "stocktake",
    "damaged",
    "returned",
    "other",
)
#: The longest note kept with a stock change.
NOTE_MAX = 200


def ensure_adjustment_reason(reason: str) -> str:
    """Return ``reason`` or refuse one a person may not give."""
    if reason not in ADJUSTMENT_REASONS:
        raise InvalidInput(
            f"'{reason}' is not a reason for a stock change; use one of "
            + ", ".join(ADJUSTMENT_REASONS)
            + ".",
            code="unknown_reason",
            field="body.reason",
        )
    return reason


def _skus_statement(shop_id: int, ids: list[int], include_deleted: bool) -> SelectOfScalar[Any]:
    statement = (
        select(Sku, Product, Shop.status)
        .join(Product, col(Product.id) == col(Sku.product_id))
        .join(Shop, col(Shop.id) == col(Sku.shop_id))
        .where(col(Sku.id).in_(ids), Sku.shop_id == shop_id)
        .order_by(col(Sku.id))
    )
    if not include_deleted:
        statement = statement.where(col(Product.deleted_at).is_(None))
    return statement  # type: ignore[return-value]


def read_skus(
    session: Session, *, shop_id: int, sku_ids: Iterable[int], include_deleted: bool = False
) -> dict[int, SkuRow]:
    """The shop's SKUs ``sku_ids`` with their products and the shop's status, unlocked: a
    snapshot to price an order on before :func:`lock_skus` (which reads them again)."""
    ids = sorted(set(sku_ids))
    if not ids:
        return {}
    rows = session.exec(_skus_statement(shop_id, ids, include_deleted)).all()
    return {sku.id: (sku, product, status) for sku, product, status in rows}


def lock_skus(
    session: Session, *, shop_id: int, sku_ids: Iterable[int], include_deleted: bool = False
) -> dict[int, SkuRow]:
    """Lock the shop's SKUs ``sku_ids`` (in id order); return each with its product and the
    shop's status (read in the same query).

    The rows are read fresh under the lock (``populate_existing``) even when the session
    already holds them, so a caller that loaded a SKU earlier never sees stale stock.
    Unknown ids and other shops' SKUs are left out, and so are SKUs of deleted products
    unless ``include_deleted``.
    """
    ids = sorted(set(sku_ids))
    if not ids:
        return {}
    statement = (
        _skus_statement(shop_id, ids, include_deleted)
        .with_for_update(of=Sku)
        .execution_options(populate_existing=True)
    )
    rows = session.exec(statement).all()
    return {sku.id: (sku, product, status) for sku, product, status in rows}


#: How many of a SKU's latest changes are searched for a repeated ``change_id``.
CHANGE_ID_WINDOW = 500


def change_applied(session: Session, *, sku: Sku, change_id: str) -> bool:
    """Whether one of the (locked) SKU's latest :data:`CHANGE_ID_WINDOW` changes carried
    ``change_id``: a caller that may repeat a change (a retry, a resumed job) sends the
    same id and it is applied once."""
    payloads = session.exec(
        select(OutboxEvent.payload)
        .where(
            OutboxEvent.shop_id == sku.shop_id,
            OutboxEvent.name == "inventory_changed",
            OutboxEvent.resource_type == "sku",
            OutboxEvent.resource_id == sku.id,
        )
        .order_by(col(OutboxEvent.id).desc())
        .limit(CHANGE_ID_WINDOW)
    ).all()
    return any(payload.get("change_id") == change_id for payload in payloads)


def adjust_stock(
    session: Session,
    *,
    sku: Sku,
    delta: int,
    reason: str,
    order_id: int | None = None,
    note: str | None = None,
    change_id: str | None = None,
) -> Sku:
    """Add ``delta`` to a SKU the caller has locked and record ``inventory_changed``
    (with ``change_id`` when given, see :func:`change_applied`).

    The caller checks that the stock stays at or above zero.
    """
    assert sku.id is not None
    extra: dict[str, Any] = {"note": note[:NOTE_MAX]} if note else {}
    if change_id:
        extra["change_id"] = change_id
    sku.stock += delta
    session.add(sku)
    record_event(
        session,
        name="inventory_changed",
        shop_id=sku.shop_id,
        resource_type="sku",
        resource_id=sku.id,
        data={
            "sku": SkuPublic(
                id=sku.id,
                product_id=sku.product_id,
                shop_id=sku.shop_id,
                code=sku.code,
                options=dict(sku.options),
                price_fen=sku.price_fen,
                currency=sku.currency,
                stock=sku.stock,
            ).model_dump(mode="json"),
            "delta": delta,
            "stock": sku.stock,
            "reason": reason,
            "order_id": order_id,
            **extra,
        },
    )
    return sku


def release_order_stock(session: Session, *, order: Order, reason: str = "order_cancelled") -> bool:
    """Put an order's reserved quantities back, exactly once per order.

    The caller holds the order row (locked on PostgreSQL). Returns ``False`` when the stock
    had already been released. SKUs deleted since are skipped.
    """
    if order.stock_released:
        return False
    assert order.id is not None
    lines = session.exec(select(OrderLine).where(OrderLine.order_id == order.id)).all()
    quantities: dict[int, int] = {}
    for line in lines:
        quantities[line.sku_id] = quantities.get(line.sku_id, 0) + line.quantity
    locked = lock_skus(session, shop_id=order.shop_id, sku_ids=quantities, include_deleted=True)
    for sku_id in sorted(quantities):
        if sku_id in locked:
            adjust_stock(
                session,
                sku=locked[sku_id][0],
                delta=quantities[sku_id],
                reason=reason,
                order_id=order.id,
            )
    order.stock_released = True
    session.add(order)
    session.flush()
    return True


@dataclass(frozen=True)
class StockChange:
    """One past change of a SKU's stock, as :func:`inventory_history` reads it."""

    at: datetime
    sku_id: int
    sku_code: str
    delta: int
    stock: int
    reason: str
    note: str | None
    order_id: int | None


def inventory_history(
    session: Session, *, shop_id: int, sku_ids: Iterable[int], limit: int = 50
) -> list[StockChange]:
    """The latest stock changes of the shop's SKUs ``sku_ids``, newest first."""
    ids = sorted(set(sku_ids))
    if not ids:
        return []
    events = session.exec(
        select(OutboxEvent)
        .where(
            OutboxEvent.shop_id == shop_id,
            OutboxEvent.name == "inventory_changed",
            OutboxEvent.resource_type == "sku",
            col(OutboxEvent.resource_id).in_(ids),
        )
        .order_by(col(OutboxEvent.id).desc())
        .limit(limit)
    ).all()
    return [
        StockChange(
            at=event.created_at,
            sku_id=event.resource_id,
            sku_code=str(event.payload.get("sku", {}).get("code", "")),
            delta=int(event.payload.get("delta") or 0),
            stock=int(event.payload.get("stock") or 0),
            reason=str(event.payload.get("reason") or "manual"),
            note=event.payload.get("note"),
            order_id=event.payload.get("order_id"),
        )
        for event in events
    ]
