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
from sqlmodel import Session, col, select

from core.auth import shop_suspended
from core.errors import Conflict, InvalidInput, InvalidState, NotFound, OutOfStock
from core.models import (
    Order,
    OrderLine,
    OrderStatus,
    PaymentAttempt,
    PaymentAttemptStatus,
    ProductStatus,
    Shop,
    ShopStatus,
)
from core.models.base import utcnow
from core.outbox import record_event
from core.schemas.orders import OrderCreate
from core.services import pickup
from core.services.inventory import (
    SkuRow,
    adjust_stock,
    lock_skus,
    read_skus,
    release_order_stock,
)
from core.services.order_state import TRANSITIONS, move_order
from core.services.order_views import order_snapshot
from core.services.payments import PaymentFailed, PaymentProvider, PaymentResult, SandboxPayment
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
    read_session: Session | None = None,
) -> PlacedOrder:
    """:func:`place_order`, also giving back the new order's lines (saves a query).

    ``adjust`` (the ``order_adjustments`` decision, in the API) changes the total; a
    discount never takes it below zero. It runs on a snapshot of the SKUs read *before*
    they are locked, so a slow plugin never holds a hot SKU; under the lock the prices and
    titles it saw are checked again, and an order whose prices changed meanwhile is refused
    (409 ``order_prices_changed``: place it again). ``read_session`` (the API's read
    session) takes the snapshot reads, so on SQLite the write lock is taken only after the
    decision has answered; without it ``session`` reads the snapshot.
    """
    digest = request_hash(data)
    reader = read_session if read_session is not None else session
    replay = _replay_if_placed(
        reader, shop_id=shop_id, buyer_id=buyer_id, key=idempotency_key, digest=digest
    )
    if replay is not None:
        return replay

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

    # 1. price on a snapshot, holding no lock
    snapshot = read_skus(reader, shop_id=shop_id, sku_ids=seen)
    subtotal = _check_lines(reader, shop_id, data, snapshot)
    store_id: int | None = None
    if data.self_pickup:
        store_id = pickup.choose_store(reader, shop_id=shop_id, store_id=data.pickup_store_id).id
    elif data.pickup_store_id is not None:
        raise InvalidInput(
            "A pickup store is chosen only for a self-pickup order.",
            code="not_self_pickup",
            field="body.pickup_store_id",
        )
    shipping = _shipping_fee(reader, shop_id, data, snapshot)
    if subtotal + shipping > MAX_ORDER_TOTAL_FEN:
        raise InvalidInput(
            f"The order total may not pass {MAX_ORDER_TOTAL_FEN} fen.",
            code="order_total_too_large",
            field="body.lines",
        )
    attempt = order_attempt(shop_id, buyer_id, idempotency_key)
    draft = _draft(data, snapshot, subtotal, buyer_id, attempt)
    adjustments = 0
    if adjust is not None:
        adjustments = max(-subtotal, min(adjust(draft), MAX_ORDER_TOTAL_FEN - subtotal - shipping))
    if read_session is not None and read_session is not session:
        read_session.rollback()  # end the snapshot's read transaction before writing

    # 2. lock, and check that what the decision priced still holds
    if read_session is not None or session.get_bind().dialect.name == "sqlite":
        # the key was looked up outside this write transaction: look again under it
        replay = _replay_if_placed(
            session, shop_id=shop_id, buyer_id=buyer_id, key=idempotency_key, digest=digest
        )
        if replay is not None:
            return replay
    locked = lock_skus(session, shop_id=shop_id, sku_ids=seen)
    _check_lines(session, shop_id, data, locked)
    if _draft(data, locked, subtotal, buyer_id, attempt) != draft or (
        _shipping_fee(session, shop_id, data, locked) != shipping
    ):
        raise Conflict(
            "A price or title changed while the order was being priced; place it again.",
            code="order_prices_changed",
            field="body.lines",
        )

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
    if store_id is not None:
        pickup.bind_order_to_store(session, order=order, store_id=store_id)
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


def _replay_if_placed(
    session: Session, *, shop_id: int, buyer_id: int, key: str, digest: str
) -> PlacedOrder | None:
    """The earlier order placed with ``key`` as a replay, or ``None`` when there is none."""
    if not _key_taken(session, shop_id=shop_id, buyer_id=buyer_id, key=key):
        return None
    existing = find_by_idempotency_key(session, shop_id=shop_id, buyer_id=buyer_id, key=key)
    assert existing is not None
    return PlacedOrder(_replay(existing, digest), False, None)


def _check_lines(session: Session, shop_id: int, data: OrderCreate, rows: dict[int, SkuRow]) -> int:
    """Check the shop, products and regions of every line against ``rows``; the subtotal."""
    any_row = next(iter(rows.values()), None)
    _ensure_shop_open(session, shop_id, any_row[2] if any_row else None)
    subtotal = 0
    for i, line in enumerate(data.lines):
        field = f"body.lines[{i}].sku_id"
        if line.sku_id not in rows:
            raise InvalidInput(
                f"SKU {line.sku_id} is not sold in this shop.", code="unknown_sku", field=field
            )
        sku, product, _ = rows[line.sku_id]
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
    if subtotal > MAX_ORDER_TOTAL_FEN:
        raise InvalidInput(
            f"The order total may not pass {MAX_ORDER_TOTAL_FEN} fen.",
            code="order_total_too_large",
            field="body.lines",
        )
    return subtotal


def _shipping_fee(
    session: Session, shop_id: int, data: OrderCreate, rows: dict[int, SkuRow]
) -> int:
    """The order's shipping fee by its products' templates (zero for self pickup)."""
    return shipping_fee_fen(
        session,
        shop_id=shop_id,
        province_code=data.province_code,
        self_pickup=data.self_pickup,
        items=[
            ShippedItem(
                template_id=rows[line.sku_id][1].shipping_template_id,
                weight_g=rows[line.sku_id][1].weight_g,
                quantity=line.quantity,
            )
            for line in data.lines
        ],
    )


def order_attempt(shop_id: int, buyer_id: int, idempotency_key: str) -> str:
    """The order request's name for plugins: the same on every retry with the same key."""
    return hashlib.sha256(f"{shop_id}:{buyer_id}:{idempotency_key}".encode()).hexdigest()[:32]


def _draft(
    data: OrderCreate, rows: dict[int, SkuRow], subtotal: int, buyer_id: int, attempt: str
) -> OrderDraft:
    """What the ``order_adjustments`` decision is shown: the lines as priced from ``rows``,
    the buyer, the codes they entered and the attempt's name."""
    return OrderDraft(
        attempt=attempt,
        province_code=data.province_code,
        subtotal_fen=subtotal,
        buyer_id=buyer_id,
        codes=list(data.codes),
        lines=[
            SdkOrderLine(
                product_id=rows[line.sku_id][1].id,
                sku_id=line.sku_id,
                title=rows[line.sku_id][1].title,
                quantity=line.quantity,
                unit_price_fen=rows[line.sku_id][0].price_fen,
            )
            for line in data.lines
        ],
    )


def _line_title(title: str, options: dict[str, str]) -> str:
    suffix = " / ".join(f"{k}: {v}" for k, v in options.items())
    return (f"{title} ({suffix})" if suffix else title)[:200]


# -- after placing -------------------------------------------------------------------------


class PaymentDeclined(InvalidState):
    """The payment provider refused the charge; the order stays pending payment."""

    status, code, title = 402, "payment_failed", "Payment failed"


def pay_order(session: Session, *, order: Order, provider: PaymentProvider | None = None) -> Order:
    """Take the payment for a pending order (sandbox by default) and move it to paid.

    The provider is never called while the order is locked, so this is the one service
    that commits (twice) before its caller does:

    1. under the order lock, a :class:`PaymentAttempt` is recorded, or the pending one a
       crashed try left behind is taken up, and **committed**;
    2. the provider is charged with the attempt's idempotency key, no transaction open;
    3. under the order lock again the outcome is written: the order moves to paid (the
       caller commits, as after any service). A declined charge is committed as a failed
       attempt and raises :class:`PaymentDeclined` (402).

    A crash between 2 and the caller's commit leaves the attempt pending: the next call
    sends the same key, so the provider charges once and the order ends paid once. Two
    calls at once share one attempt the same way; the second returns the paid order.
    """
    provider = provider or SandboxPayment()
    attempt = _begin_attempt(session, order=order, provider=provider)
    # read before the commit: touching an expired row afterwards would open a transaction
    # (on SQLite a write lock) for the length of the provider call
    assert attempt.id is not None
    attempt_id, order_id, key = attempt.id, attempt.order_id, attempt.idempotency_key
    amount_fen, currency = attempt.amount_fen, attempt.currency
    session.commit()  # the attempt is on record before any money moves; the lock is let go
    result: PaymentResult | None = None
    declined: PaymentFailed | None = None
    try:
        result = provider.charge(
            order_id=order_id, amount_fen=amount_fen, currency=currency, idempotency_key=key
        )
    except PaymentFailed as exc:
        declined = exc

    order = _lock_order(session, order_id)
    attempt = session.exec(
        select(PaymentAttempt)
        .where(PaymentAttempt.id == attempt_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if attempt.status == PaymentAttemptStatus.succeeded and order.status == OrderStatus.paid:
        return order  # a concurrent call with the same attempt finished first
    attempt.finished_at = utcnow()
    if declined is not None:
        attempt.status = PaymentAttemptStatus.failed
        attempt.error = declined.detail[:300]
        session.add(attempt)
        session.commit()
        raise PaymentDeclined(declined.detail, code=declined.code)
    assert result is not None
    attempt.status = PaymentAttemptStatus.succeeded
    attempt.payment_ref = result.payment_ref[:64]
    session.add(attempt)
    if order.status != OrderStatus.pending_payment:
        # cancelled while the charge was under way: give the money back
        attempt.error = f"order became {order.status.value} while paying; refunded"
        session.commit()
        provider.refund(
            payment_ref=result.payment_ref, amount_fen=attempt.amount_fen, currency=attempt.currency
        )
        raise _not_payable(order)
    order.payment_ref = result.payment_ref[:64]
    move_order(session, order, OrderStatus.paid)
    pickup.issue_pickup_code(session, order=order)
    return order


def _lock_order(session: Session, order_id: int) -> Order:
    """The order row, locked and read fresh (``populate_existing``)."""
    return session.exec(
        select(Order)
        .where(Order.id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _not_payable(order: Order) -> InvalidState:
    return InvalidState(
        f"Only orders pending payment can be paid; this one is {order.status.value}.",
        code="order_not_payable",
        extra={"order_status": order.status.value},
    )


def _begin_attempt(session: Session, *, order: Order, provider: PaymentProvider) -> PaymentAttempt:
    """Step 1 of :func:`pay_order`: the order's pending attempt, recorded if there is none."""
    assert order.id is not None
    order_id = order.id
    order = _lock_order(session, order_id)
    if order.status != OrderStatus.pending_payment:
        raise _not_payable(order)
    _ensure_shop_not_suspended(session, order.shop_id)
    attempts = session.exec(
        select(PaymentAttempt)
        .where(PaymentAttempt.order_id == order_id)
        .order_by(col(PaymentAttempt.id))
    ).all()
    pending = [a for a in attempts if a.status == PaymentAttemptStatus.pending]
    if pending:
        return pending[-1]
    attempt = PaymentAttempt(
        order_id=order_id,
        idempotency_key=f"order-{order_id}-attempt-{len(attempts) + 1}",
        provider=getattr(provider, "name", "unknown")[:40],
        amount_fen=order.total_fen,
        currency=order.currency,
    )
    session.add(attempt)
    session.flush()
    return attempt


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
