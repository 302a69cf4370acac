"""After-sales: refund only, return and refund, exchange.

Life of a request::

    requested --accept--> accepted --complete--> completed   (return_and_refund)
    requested --accept--> completed                           (refund_only: refunds at once)
    requested --reject--> rejected
    requested --accept--> accepted --buyer's return parcel--> accepted
              --merchant's replacement parcel--> completed    (exchange, outcome exchanged)

A return-and-refund needs the buyer's return parcel before it completes; an exchange needs
it before the merchant sends the replacement, which completes the exchange.

The merchant must answer within :data:`RESPONSE_WINDOW`; past ``respond_by`` the platform
accepts for them (:func:`expire_overdue_aftersales`, run by a job). A refund adds to
``order.refunded_fen``, never beyond ``order.total_fen``. Services never commit.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from core.errors import Conflict, InvalidInput, InvalidState, NotFound
from core.models import AfterSale, AfterSaleKind, AfterSaleStatus, Order, OrderStatus, Shipment
from core.models.base import utcnow
from core.outbox import record_event
from core.schemas.aftersales import AfterSalePublic
from core.services.carriers import CarrierRegistry
from core.services.carriers import carriers as default_carriers

#: How long a merchant has to accept or reject a request before the platform accepts it.
RESPONSE_WINDOW = timedelta(hours=48)

#: Order states in which a buyer may ask for after-sales.
ELIGIBLE_ORDER_STATES = frozenset(
    {OrderStatus.paid, OrderStatus.shipped, OrderStatus.delivered, OrderStatus.completed}
)

#: Request states that still hold part of the order's refundable amount.
OPEN_STATES = frozenset({AfterSaleStatus.requested, AfterSaleStatus.accepted})

REFUND_KINDS = frozenset({AfterSaleKind.refund_only, AfterSaleKind.return_and_refund})


def aftersale_data(aftersale: AfterSale, **extra: Any) -> dict[str, Any]:
    """The event snapshot of a request: ``{"aftersale": {...}, **extra}``."""
    return {
        "aftersale": AfterSalePublic.model_validate(aftersale).model_dump(mode="json"),
        **extra,
    }


def _event(session: Session, name: str, aftersale: AfterSale, **extra: Any) -> None:
    session.flush()
    assert aftersale.id is not None
    record_event(
        session,
        name=name,
        shop_id=aftersale.shop_id,
        resource_type="aftersale",
        resource_id=aftersale.id,
        data=aftersale_data(aftersale, **extra),
    )


def _locked_order(session: Session, order_id: int) -> Order:
    """The order row, locked for update on PostgreSQL (SQLite serializes writers)."""
    order = session.exec(select(Order).where(Order.id == order_id).with_for_update()).first()
    if order is None:
        raise NotFound(f"Order {order_id} was not found.")
    return order


def refundable_fen(session: Session, *, order: Order, exclude_id: int | None = None) -> int:
    """What may still be asked back: total - refunded - amounts of other open requests."""
    statement = select(func.coalesce(func.sum(AfterSale.amount_fen), 0)).where(
        AfterSale.order_id == order.id,
        col(AfterSale.status).in_(list(OPEN_STATES)),
    )
    if exclude_id is not None:
        statement = statement.where(AfterSale.id != exclude_id)
    held = int(session.exec(statement).one())
    return max(order.total_fen - order.refunded_fen - held, 0)


def get_buyer_order(session: Session, *, buyer_id: int, order_id: int) -> Order:
    """The buyer's own order; anybody else's is reported as not found."""
    order = session.get(Order, order_id)
    if order is None or order.buyer_id != buyer_id:
        raise NotFound(f"Order {order_id} was not found.")
    return order


def request_aftersale(
    session: Session,
    *,
    order: Order,
    buyer_id: int,
    kind: AfterSaleKind,
    amount_fen: int,
    reason: str,
    now: datetime | None = None,
) -> AfterSale:
    """Open a request on ``order`` for its buyer; publishes ``aftersale_requested``.

    Refunds need ``0 < amount_fen <= refundable``; exchanges carry no amount. Raises
    :class:`InvalidState` when the order is pending payment or cancelled and
    :class:`InvalidInput` (``body.amount_fen``) for a bad amount.
    """
    assert order.id is not None
    order = _locked_order(session, order.id)
    if order.buyer_id != buyer_id:
        raise NotFound(f"Order {order.id} was not found.")
    if order.status not in ELIGIBLE_ORDER_STATES:
        raise InvalidState(
            f"After-sales cannot be requested on an order that is {order.status.value}.",
            code="order_not_eligible",
            extra={"order_status": order.status.value},
        )
    if kind == AfterSaleKind.exchange:
        if amount_fen != 0:
            raise InvalidInput(
                "An exchange carries no refund amount; leave amount_fen at 0.",
                field="body.amount_fen",
            )
    else:
        available = refundable_fen(session, order=order)
        if amount_fen <= 0:
            raise InvalidInput("A refund needs an amount above 0 fen.", field="body.amount_fen")
        if amount_fen > available:
            raise InvalidInput(
                f"At most {available} fen can still be refunded on this order.",
                field="body.amount_fen",
                extra={"refundable_fen": available},
            )
    now = now or utcnow()
    assert order.id is not None
    aftersale = AfterSale(
        shop_id=order.shop_id,
        order_id=order.id,
        buyer_id=buyer_id,
        kind=kind,
        amount_fen=amount_fen,
        reason=reason,
        respond_by=now + RESPONSE_WINDOW,
        created_at=now,
    )
    session.add(aftersale)
    _event(session, "aftersale_requested", aftersale)
    return aftersale


def get_shop_aftersale(
    session: Session, *, shop_id: int, aftersale_id: int, for_update: bool = False
) -> AfterSale:
    """A request of this shop; another shop's is reported as not found.

    ``for_update`` locks the row (PostgreSQL) so a decision and the deadline job never race.
    """
    statement = select(AfterSale).where(AfterSale.id == aftersale_id)
    if for_update:
        statement = statement.with_for_update()
    aftersale = session.exec(statement).first()
    if aftersale is None or aftersale.shop_id != shop_id:
        raise NotFound(f"After-sales request {aftersale_id} was not found.")
    return aftersale


def _require(aftersale: AfterSale, *states: AfterSaleStatus, action: str) -> None:
    if aftersale.status not in states:
        raise InvalidState(
            f"A request that is {aftersale.status.value} cannot be {action}.",
            code="invalid_aftersale_transition",
            extra={"aftersale_status": aftersale.status.value},
        )


def _refund(session: Session, aftersale: AfterSale, now: datetime) -> None:
    """Complete a refund: add to the order's refunded amount, capped at its total."""
    order = _locked_order(session, aftersale.order_id)
    amount = min(aftersale.amount_fen, max(order.total_fen - order.refunded_fen, 0))
    order.refunded_fen += amount
    session.add(order)
    _resolve(session, aftersale, now, outcome="refunded", refunded_fen=amount)


def _resolve(
    session: Session,
    aftersale: AfterSale,
    now: datetime,
    *,
    outcome: str,
    refunded_fen: int = 0,
) -> None:
    aftersale.status = (
        AfterSaleStatus.rejected if outcome == "rejected" else AfterSaleStatus.completed
    )
    aftersale.outcome = outcome
    aftersale.refunded_fen = refunded_fen
    aftersale.resolved_at = now
    session.add(aftersale)
    _event(session, "aftersale_resolved", aftersale, outcome=outcome)


def accept_aftersale(
    session: Session, *, aftersale: AfterSale, now: datetime | None = None, auto: bool = False
) -> AfterSale:
    """Accept a request. A refund-only request is refunded and completed at once
    (``aftersale_resolved``); the others wait for the return or the exchange
    (``aftersale_updated``). ``auto`` marks a platform acceptance after the deadline.
    """
    _require(aftersale, AfterSaleStatus.requested, action="accepted")
    now = now or utcnow()
    aftersale.status = AfterSaleStatus.accepted
    aftersale.accepted_at = now
    aftersale.auto_accepted = auto
    session.add(aftersale)
    if aftersale.kind == AfterSaleKind.refund_only:
        _refund(session, aftersale, now)
    else:
        _event(session, "aftersale_updated", aftersale)
    return aftersale


def reject_aftersale(
    session: Session, *, aftersale: AfterSale, reason: str, now: datetime | None = None
) -> AfterSale:
    """Reject a pending request with a reason the buyer sees; publishes ``aftersale_resolved``."""
    _require(aftersale, AfterSaleStatus.requested, action="rejected")
    if not reason.strip():
        raise InvalidInput("A rejection needs a reason.", field="body.reason")
    aftersale.decision_reason = reason.strip()
    _resolve(session, aftersale, now or utcnow(), outcome="rejected")
    return aftersale


def complete_aftersale(
    session: Session, *, aftersale: AfterSale, now: datetime | None = None
) -> AfterSale:
    """Finish an accepted return-and-refund (the return arrived: refund) or exchange
    (the replacement went out). Refund-only requests complete on acceptance.
    """
    _require(aftersale, AfterSaleStatus.accepted, action="completed")
    now = now or utcnow()
    if aftersale.kind == AfterSaleKind.return_and_refund:
        _require_return(aftersale)
        _refund(session, aftersale, now)
    elif aftersale.replacement_waybill is None:
        raise InvalidState(
            "Send the replacement parcel to complete an exchange.",
            code="replacement_not_shipped",
            extra={"aftersale_status": aftersale.status.value},
        )
    else:
        _resolve(session, aftersale, now, outcome="exchanged")
    return aftersale


def _require_return(aftersale: AfterSale) -> None:
    if aftersale.return_waybill is None:
        raise InvalidState(
            "The buyer has not sent the return yet.",
            code="return_not_shipped",
            extra={"aftersale_status": aftersale.status.value},
        )


def add_return_shipment(
    session: Session,
    *,
    aftersale: AfterSale,
    carrier_code: str,
    waybill_no: str,
    carriers: CarrierRegistry | None = None,
    now: datetime | None = None,
) -> AfterSale:
    """The buyer's return parcel for an accepted return-and-refund or exchange; publishes
    ``aftersale_updated``. Checks the carrier and waybill format like shipments do.
    """
    if aftersale.kind == AfterSaleKind.refund_only:
        raise InvalidState(
            "A refund-only request takes no return shipment.",
            code="no_return_expected",
            extra={"aftersale_kind": aftersale.kind.value},
        )
    _require(aftersale, AfterSaleStatus.accepted, action="given a return shipment")
    carrier, normalized = (carriers or default_carriers).validate(carrier_code, waybill_no)
    aftersale.return_carrier_code = carrier.code
    aftersale.return_waybill = normalized
    aftersale.return_shipped_at = now or utcnow()
    session.add(aftersale)
    _event(session, "aftersale_updated", aftersale)
    return aftersale


def send_replacement(
    session: Session,
    *,
    aftersale: AfterSale,
    carrier_code: str,
    waybill_no: str,
    carriers: CarrierRegistry | None = None,
    now: datetime | None = None,
) -> AfterSale:
    """The merchant's replacement parcel for an accepted exchange whose return is on its
    way; completes the exchange (``aftersale_resolved``, outcome ``exchanged``).

    Checks the carrier and the waybill format like shipments do; a waybill already used by
    a shipment or another replacement is 409 ``duplicate_waybill``.
    """
    if aftersale.kind != AfterSaleKind.exchange:
        raise InvalidState(
            "Only an exchange takes a replacement parcel.",
            code="no_replacement_expected",
            extra={"aftersale_kind": aftersale.kind.value},
        )
    _require(aftersale, AfterSaleStatus.accepted, action="given a replacement parcel")
    _require_return(aftersale)
    carrier, normalized = (carriers or default_carriers).validate(carrier_code, waybill_no)
    _ensure_unused_waybill(session, carrier.code, normalized)
    now = now or utcnow()
    aftersale.replacement_carrier_code = carrier.code
    aftersale.replacement_waybill = normalized
    aftersale.replacement_shipped_at = now
    session.add(aftersale)
    _resolve(session, aftersale, now, outcome="exchanged")
    return aftersale


def _ensure_unused_waybill(session: Session, carrier_code: str, waybill_no: str) -> None:
    in_shipments = session.exec(
        select(Shipment.id).where(
            Shipment.carrier_code == carrier_code, Shipment.waybill_no == waybill_no
        )
    ).first()
    in_replacements = session.exec(
        select(AfterSale.id).where(
            AfterSale.replacement_carrier_code == carrier_code,
            AfterSale.replacement_waybill == waybill_no,
        )
    ).first()
    if in_shipments is not None or in_replacements is not None:
        raise Conflict(
            f"Waybill {waybill_no} of {carrier_code} is already used by a parcel.",
            code="duplicate_waybill",
            field="body.waybill_no",
        )


def expire_overdue_aftersales(
    session: Session, *, now: datetime, limit: int | None = None
) -> list[AfterSale]:
    """Accept every request whose ``respond_by`` has passed (merchant silence = acceptance),
    at most ``limit`` of them (oldest first) when given.

    Returns the requests accepted; refund-only ones are refunded at once. Rows another
    transaction holds are skipped, so two runs at once never accept one twice. Run by the
    periodic task in :mod:`core.jobs.schedules`, which commits.
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    overdue = session.exec(
        select(AfterSale)
        .where(
            AfterSale.status == AfterSaleStatus.requested,
            col(AfterSale.respond_by).is_not(None),
            col(AfterSale.respond_by) <= now,
        )
        .order_by(col(AfterSale.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for aftersale in overdue:
        accept_aftersale(session, aftersale=aftersale, now=now, auto=True)
    return list(overdue)
