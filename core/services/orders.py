"""Orders: placement with idempotency keys and no oversell, payment, cancellation, receipt.

Placement (:func:`place_order`), in one transaction:

1. an order with the same shop, buyer and ``Idempotency-Key`` is returned as is when the
   request body hashes the same, else refused (409 ``idempotency_key_reused``);
2. the shop must be open, each SKU's product listed, the province one the product sells to
   (empty list = everywhere; not checked for self pickup), quantities 1..999;
3. the SKU rows are locked in id order (``FOR UPDATE`` on PostgreSQL; SQLite serializes
   writers with ``BEGIN IMMEDIATE``), the order row is inserted under a savepoint (two
   identical requests racing: the loser meets the unique key, rolls back to the savepoint
   and returns the winner's order), then stock is checked and taken (409 ``out_of_stock``).

Status changes go through :func:`core.services.order_state.move_order`; cancelling gives
the stock back exactly once (``Order.stock_released``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import NamedTuple

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from core.auth import shop_suspended
from core.errors import Conflict, InvalidInput, InvalidState, NotFound, OutOfStock
from core.models import Order, OrderLine, OrderStatus, ProductStatus, Shop, ShopStatus
from core.outbox import record_event
from core.schemas.orders import OrderCreate
from core.services.inventory import adjust_stock, lock_skus, release_order_stock
from core.services.order_state import TRANSITIONS, move_order
from core.services.order_views import order_snapshot
from core.services.payments import PaymentProvider, SandboxPayment
from core.services.regions import ensure_province
from core.services.shipping_fees import ShippedItem, shipping_fee_fen
from sdk.models import OrderDraft
from sdk.models import OrderLine as SdkOrderLine

#: Totals are stored in 32-bit integer columns.
MAX_ORDER_TOTAL_FEN = 2_000_000_000


# -- placing -------------------------------------------------------------------------------


def request_hash(data: OrderCreate) -> str:
    """A stable hash of an order request body, to tell a retry from a different request."""
    canonical = json.dumps(data.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def find_by_idempotency_key(
    session: Session, *, shop_id: int, buyer_id: int, key: str
) -> Order | None:
    """The order a buyer already placed in a shop with ``key``, if any."""
    return session.exec(
        select(Order).where(
            Order.shop_id == shop_id, Order.buyer_id == buyer_id, Order.idempotency_key == key
        )
    ).first()


def _key_taken(session: Session, *, shop_id: int, buyer_id: int, key: str) -> bool:
    found = session.exec(
        select(Order.id).where(
            Order.shop_id == shop_id, Order.buyer_id == buyer_id, Order.idempotency_key == key
        )
    ).first()
    return found is not None


def _replay(order: Order, digest: str) -> Order:
    if order.request_hash != digest:
        raise Conflict(
            "This Idempotency-Key was already used for a different order request.",
            code="idempotency_key_reused",
            field="header.Idempotency-Key",
            extra={"order_id": order.id},
        )
    return order


class PlacedOrder(NamedTuple):
    """What :func:`place_order` gives back: the order, whether it is new, its lines."""

    order: Order
    created: bool
    lines: list[OrderLine] | None  # None for a replay (load them when needed)


def _ensure_shop_open(session: Session, shop_id: int, status: ShopStatus | None) -> None:
    if status is None:
        shop = session.get(Shop, shop_id)
        if shop is None:
            raise NotFound(f"Shop {shop_id} was not found.")
        status = shop.status
    if status != ShopStatus.open:
        raise InvalidState("This shop is not open.", code="shop_not_open")
    _ensure_shop_not_suspended(session, shop_id)


def _ensure_shop_not_suspended(session: Session, shop_id: int) -> None:
    """A shop a platform admin suspended sells nothing: 403 ``shop_suspended``."""
    shop = session.get(Shop, shop_id)
    if shop is not None and shop.suspended_at is not None:
        raise shop_suspended(shop)


def place_order(
    session: Session, *, shop_id: int, buyer_id: int, idempotency_key: str, data: OrderCreate
) -> tuple[Order, bool]:
    """Place an order, or return the one placed before with the same key.

    Returns ``(order, created)``; ``created`` is ``False`` for a replay. Records
    ``order_created`` and an ``inventory_changed`` per SKU.
    """
    placed = place_order_with_lines(
        session, shop_id=shop_id, buyer_id=buyer_id, idempotency_key=idempotency_key, data=data
    )
    return placed.order, placed.created


#: Prices an order's adjustments (coupons, fees): given the draft, the total change in fen.
Adjuster = Callable[[OrderDraft], int]


def place_order_with_lines(
    session: Session,
    *,
    shop_id: int,
    buyer_id: int,
    idempotency_key: str,
    data: OrderCreate,
    adjust: Adjuster | None = None,
) -> PlacedOrder:
    """:func:`place_order`, also giving back the new order's lines (saves a query).

    ``adjust`` (the ``order_adjustments`` decision, in the API) changes the total; a
    discount never takes it below zero.
    """
    digest = request_hash(data)
    if _key_taken(session, shop_id=shop_id, buyer_id=buyer_id, key=idempotency_key):
        existing = find_by_idempotency_key(
            session, shop_id=shop_id, buyer_id=buyer_id, key=idempotency_key
        )
        assert existing is not None
        return PlacedOrder(_replay(existing, digest), False, None)

    ensure_province(data.province_code, field="body.province_code")
    if not data.self_pickup and not data.address.strip():
        raise InvalidInput(
            "An address is needed unless the order is picked up.",
            code="address_required",
            field="body.address",
        )
    seen: set[int] = set()
    for i, line in enumerate(data.lines):
        if line.sku_id in seen:
            raise InvalidInput(
                f"SKU {line.sku_id} appears on two lines; send one line with the total quantity.",
                code="duplicate_line",
                field=f"body.lines[{i}].sku_id",
            )
        seen.add(line.sku_id)

    locked = lock_skus(session, shop_id=shop_id, sku_ids=seen)
    any_row = next(iter(locked.values()), None)
    _ensure_shop_open(session, shop_id, any_row[2] if any_row else None)
    subtotal = 0
    for i, line in enumerate(data.lines):
        field = f"body.lines[{i}].sku_id"
        if line.sku_id not in locked:
            raise InvalidInput(
                f"SKU {line.sku_id} is not sold in this shop.", code="unknown_sku", field=field
            )
        sku, product, _ = locked[line.sku_id]
        if product.status != ProductStatus.listed:
            raise InvalidState(
                f"'{product.title}' is not on sale.", code="product_not_listed", field=field
            )
        if data.self_pickup and not product.self_pickup:
            raise InvalidInput(
                f"'{product.title}' cannot be picked up.",
                code="self_pickup_unavailable",
                field=field,
            )
        if (
            not data.self_pickup
            and product.sellable_provinces
            and data.province_code not in product.sellable_provinces
        ):
            raise InvalidInput(
                f"'{product.title}' is not sold to province {data.province_code}.",
                code="not_sellable_in_region",
                field=field,
                extra={"sku_id": line.sku_id, "province_code": data.province_code},
            )
        subtotal += sku.price_fen * line.quantity
    shipping = shipping_fee_fen(
        session,
        shop_id=shop_id,
        province_code=data.province_code,
        self_pickup=data.self_pickup,
        items=[
            ShippedItem(
                template_id=locked[line.sku_id][1].shipping_template_id,
                weight_g=locked[line.sku_id][1].weight_g,
                quantity=line.quantity,
            )
            for line in data.lines
        ],
    )
    if subtotal + shipping > MAX_ORDER_TOTAL_FEN:
        raise InvalidInput(
            f"The order total may not pass {MAX_ORDER_TOTAL_FEN} fen.",
            code="order_total_too_large",
            field="body.lines",
        )

    adjustments = 0
    if adjust is not None:
        draft = OrderDraft(
            province_code=data.province_code,
            subtotal_fen=subtotal,
            lines=[
                SdkOrderLine(
                    product_id=locked[line.sku_id][1].id,
                    sku_id=line.sku_id,
                    title=locked[line.sku_id][1].title,
                    quantity=line.quantity,
                    unit_price_fen=locked[line.sku_id][0].price_fen,
                )
                for line in data.lines
            ],
        )
        adjustments = max(-subtotal, min(adjust(draft), MAX_ORDER_TOTAL_FEN - subtotal - shipping))
    order = Order(
        shop_id=shop_id,
        buyer_id=buyer_id,
        idempotency_key=idempotency_key,
        request_hash=digest,
        subtotal_fen=subtotal,
        adjustments_fen=adjustments,
        shipping_fen=shipping,
        total_fen=subtotal + adjustments + shipping,
        self_pickup=data.self_pickup,
        recipient_name=data.recipient_name,
        recipient_phone=data.recipient_phone,
        province_code=data.province_code,
        address=data.address,
    )
    if session.get_bind().dialect.name == "sqlite":
        # writers are serialized (BEGIN IMMEDIATE): the key lookup above cannot be stale
        session.add(order)
        session.flush()
    else:
        try:
            with session.begin_nested():
                session.add(order)
                session.flush()
        except IntegrityError:
            # an identical request committed first (we waited on the unique key)
            existing = find_by_idempotency_key(
                session, shop_id=shop_id, buyer_id=buyer_id, key=idempotency_key
            )
            if existing is None:
                raise
            return PlacedOrder(_replay(existing, digest), False, None)
    assert order.id is not None

    lines: list[OrderLine] = []
    for i, line in enumerate(data.lines):
        sku, product, _ = locked[line.sku_id]
        if sku.stock < line.quantity:
            raise OutOfStock(
                f"Only {sku.stock} of SKU {line.sku_id} left; {line.quantity} asked.",
                field=f"body.lines[{i}].sku_id",
                extra={"sku_id": line.sku_id, "available": sku.stock},
            )
        lines.append(
            OrderLine(
                order_id=order.id,
                product_id=product.id or 0,
                sku_id=line.sku_id,
                title=_line_title(product.title, sku.options),
                quantity=line.quantity,
                unit_price_fen=sku.price_fen,
            )
        )
    session.add_all(lines)
    session.flush()
    for placed in lines:
        adjust_stock(
            session,
            sku=locked[placed.sku_id][0],
            delta=-placed.quantity,
            reason="order_placed",
            order_id=order.id,
        )
    record_event(
        session,
        name="order_created",
        shop_id=shop_id,
        resource_type="order",
        resource_id=order.id,
        data=order_snapshot(session, order, lines=lines),
    )
    return PlacedOrder(order, True, lines)


def _line_title(title: str, options: dict[str, str]) -> str:
    suffix = " / ".join(f"{k}: {v}" for k, v in options.items())
    return (f"{title} ({suffix})" if suffix else title)[:200]


# -- after placing -------------------------------------------------------------------------


def pay_order(session: Session, *, order: Order, provider: PaymentProvider | None = None) -> Order:
    """Take the payment for a pending order (sandbox by default) and move it to paid."""
    if order.status != OrderStatus.pending_payment:
        raise InvalidState(
            f"Only orders pending payment can be paid; this one is {order.status.value}.",
            code="order_not_payable",
            extra={"order_status": order.status.value},
        )
    assert order.id is not None
    _ensure_shop_not_suspended(session, order.shop_id)
    result = (provider or SandboxPayment()).charge(
        order_id=order.id,
        amount_fen=order.total_fen,
        currency=order.currency,
        idempotency_key=f"order-{order.id}",
    )
    order.payment_ref = result.payment_ref[:64]
    return move_order(session, order, OrderStatus.paid)


def cancel_order(
    session: Session,
    *,
    order: Order,
    by: str,
    reason: str = "",
    provider: PaymentProvider | None = None,
) -> Order:
    """Cancel an order and give its stock back (once).

    ``by`` is ``buyer`` (pending payment only), ``merchant`` or ``system`` (pending or
    paid). A paid order is refunded in full through ``provider`` (sandbox by default).
    """
    allowed = (
        {OrderStatus.pending_payment}
        if by == "buyer"
        else {s for s, targets in TRANSITIONS.items() if OrderStatus.cancelled in targets}
    )
    if order.status not in allowed:
        raise InvalidState(
            f"An order that is {order.status.value} cannot be cancelled here.",
            code="cancel_not_allowed",
            extra={"order_status": order.status.value},
        )
    if order.status == OrderStatus.paid and order.payment_ref:
        refundable = order.total_fen - order.refunded_fen
        if refundable > 0:
            (provider or SandboxPayment()).refund(
                payment_ref=order.payment_ref, amount_fen=refundable, currency=order.currency
            )
            order.refunded_fen = order.total_fen
    order.cancel_reason = reason
    order.cancelled_by = by
    move_order(session, order, OrderStatus.cancelled)
    release_order_stock(session, order=order)
    return order


def mark_delivered(session: Session, *, order: Order) -> Order:
    """Move a shipped order to delivered."""
    return move_order(session, order, OrderStatus.delivered)


def confirm_receipt(session: Session, *, order: Order) -> Order:
    """The buyer confirms receipt: a delivered order becomes completed."""
    if order.status != OrderStatus.delivered:
        raise InvalidState(
            f"Only delivered orders can be confirmed; this one is {order.status.value}.",
            code="order_not_delivered",
            extra={"order_status": order.status.value},
        )
    return move_order(session, order, OrderStatus.completed)
