"""Shipments: the parcels an order goes out in, and their tracking events.

The first parcel of a paid order moves it to shipped; a ``delivered`` scan on every parcel
of a shipped order moves it to delivered. ``(carrier_code, waybill_no)`` is unique across
the platform. Services never commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core.errors import Conflict, InvalidInput, InvalidState, NotFound
from core.models import Order, OrderLine, OrderStatus, Shipment, TrackingEvent
from core.models.base import utcnow
from core.outbox import record_event
from core.schemas.shipments import ShipmentPublic, TrackingEventPublic, TrackingStatus
from core.services.carriers import CarrierRegistry
from core.services.carriers import carriers as default_carriers
from core.services.order_state import move_order

#: Order states in which parcels may still be sent.
SHIPPABLE_ORDER_STATES = frozenset({OrderStatus.paid, OrderStatus.shipped})


def shipment_public(
    shipment: Shipment,
    tracking: Sequence[TrackingEvent] = (),
    *,
    carriers: CarrierRegistry | None = None,
) -> ShipmentPublic:
    """The API view of a parcel with its tracking history."""
    carrier = (carriers or default_carriers).get(shipment.carrier_code)
    public = ShipmentPublic.model_validate(shipment)
    public.carrier_name = carrier.name if carrier else None
    public.tracking = [TrackingEventPublic.model_validate(t) for t in tracking]
    return public


def tracking_of(session: Session, shipment_ids: Sequence[int]) -> dict[int, list[TrackingEvent]]:
    """Tracking events of several parcels at once, each list oldest first."""
    out: dict[int, list[TrackingEvent]] = {i: [] for i in shipment_ids}
    if not shipment_ids:
        return out
    rows = session.exec(
        select(TrackingEvent)
        .where(col(TrackingEvent.shipment_id).in_(list(shipment_ids)))
        .order_by(col(TrackingEvent.occurred_at), col(TrackingEvent.id))
    ).all()
    for row in rows:
        out[row.shipment_id].append(row)
    return out


def _snapshot(session: Session, shipment: Shipment) -> dict[str, Any]:
    assert shipment.id is not None
    tracking = tracking_of(session, [shipment.id])[shipment.id]
    return shipment_public(shipment, tracking).model_dump(mode="json")


def get_shop_order(session: Session, *, shop_id: int, order_id: int) -> Order:
    """An order of this shop, locked for update; another shop's is reported as not found."""
    order = session.exec(select(Order).where(Order.id == order_id).with_for_update()).first()
    if order is None or order.shop_id != shop_id:
        raise NotFound(f"Order {order_id} was not found.")
    return order


def get_shop_shipment(
    session: Session, *, shop_id: int, shipment_id: int, for_update: bool = False
) -> Shipment:
    """A parcel of this shop; another shop's is reported as not found."""
    statement = select(Shipment).where(Shipment.id == shipment_id)
    if for_update:
        statement = statement.with_for_update()
    shipment = session.exec(statement).first()
    if shipment is None or shipment.shop_id != shop_id:
        raise NotFound(f"Shipment {shipment_id} was not found.")
    return shipment


def create_shipment(
    session: Session,
    *,
    order: Order,
    carrier_code: str,
    waybill_no: str,
    line_ids: Sequence[int] = (),
    quantities: Mapping[int, int] | None = None,
    carriers: CarrierRegistry | None = None,
) -> Shipment:
    """Send a parcel for ``order``; publishes ``shipment_created``.

    ``line_ids`` must be lines of the order (empty = the whole order). ``quantities`` (line
    id -> items, each line also in ``line_ids``) puts part of a line in the parcel: at most
    what earlier parcels left of it (``body.lines[i].quantity`` otherwise). The first parcel of a
    paid order moves it to shipped. Raises :class:`InvalidInput` for an unknown carrier, a
    malformed waybill or foreign lines, :class:`Conflict` (``duplicate_waybill``) for a
    waybill already used, :class:`InvalidState` for an order not awaiting shipment.
    """
    carrier, normalized = (carriers or default_carriers).validate(carrier_code, waybill_no)
    if order.status not in SHIPPABLE_ORDER_STATES:
        raise InvalidState(
            f"An order that is {order.status.value} cannot be shipped.",
            code="order_not_shippable",
            extra={"order_status": order.status.value},
        )
    if order.self_pickup:
        raise InvalidState(
            "This order is picked up by the buyer; it is not shipped.", code="self_pickup_order"
        )
    wanted = list(dict.fromkeys(line_ids))
    if wanted:
        known = set(
            session.exec(
                select(OrderLine.id).where(
                    OrderLine.order_id == order.id, col(OrderLine.id).in_(wanted)
                )
            ).all()
        )
        for index, line_id in enumerate(line_ids):
            if line_id not in known:
                raise InvalidInput(
                    f"Line {line_id} is not a line of order {order.id}.",
                    field=f"body.line_ids[{index}]",
                )
    counts = _checked_quantities(session, order, wanted, quantities or {})
    _ensure_new_waybill(session, carrier.code, normalized)
    assert order.id is not None
    shipment = Shipment(
        shop_id=order.shop_id,
        order_id=order.id,
        carrier_code=carrier.code,
        waybill_no=normalized,
        line_ids=wanted,
        quantities={str(k): v for k, v in counts.items()},
        status=TrackingStatus.in_transit.value,
    )
    try:
        with session.begin_nested():
            session.add(shipment)
            session.flush()
    except IntegrityError:  # a concurrent request took the waybill first
        raise _duplicate(carrier.code, normalized) from None
    assert shipment.id is not None
    if order.status == OrderStatus.paid:
        move_order(session, order, OrderStatus.shipped)
    record_event(
        session,
        name="shipment_created",
        shop_id=shipment.shop_id,
        resource_type="shipment",
        resource_id=shipment.id,
        data={"shipment": _snapshot(session, shipment)},
    )
    return shipment


def shipped_quantities(session: Session, order_id: int) -> dict[int, int]:
    """How many items of each line of an order its parcels hold so far."""
    lines = {
        line.id or 0: line.quantity
        for line in session.exec(select(OrderLine).where(OrderLine.order_id == order_id)).all()
    }
    out = dict.fromkeys(lines, 0)
    for parcel in session.exec(select(Shipment).where(Shipment.order_id == order_id)).all():
        for line_id in parcel.line_ids or list(lines):
            if line_id in out:
                out[line_id] += parcel.quantities.get(str(line_id), lines[line_id])
    return out


def _checked_quantities(
    session: Session, order: Order, line_ids: list[int], quantities: Mapping[int, int]
) -> dict[int, int]:
    if not quantities:
        return {}
    assert order.id is not None
    lines = {
        line.id: line.quantity
        for line in session.exec(select(OrderLine).where(OrderLine.order_id == order.id)).all()
    }
    shipped = shipped_quantities(session, order.id)
    for index, (line_id, count) in enumerate(quantities.items()):
        field = f"body.lines[{index}]"
        if line_id not in line_ids or line_id not in lines:
            raise InvalidInput(
                f"Line {line_id} is not a line of order {order.id}.", field=f"{field}.line_id"
            )
        left = lines[line_id] - shipped.get(line_id, 0)
        if not 1 <= count <= left:
            raise InvalidInput(
                f"Line {line_id} has {max(left, 0)} items not yet in a parcel; {count} asked.",
                code="too_many_items",
                field=f"{field}.quantity",
                extra={"line_id": line_id, "unshipped": max(left, 0)},
            )
    return dict(quantities)


def _duplicate(carrier_code: str, waybill_no: str) -> Conflict:
    return Conflict(
        f"Waybill {waybill_no} of {carrier_code} is already used by a shipment.",
        code="duplicate_waybill",
        field="body.waybill_no",
    )


def _ensure_new_waybill(session: Session, carrier_code: str, waybill_no: str) -> None:
    taken = session.exec(
        select(Shipment.id).where(
            Shipment.carrier_code == carrier_code, Shipment.waybill_no == waybill_no
        )
    ).first()
    if taken is not None:
        raise _duplicate(carrier_code, waybill_no)


def add_tracking_event(
    session: Session,
    *,
    shipment: Shipment,
    status: TrackingStatus,
    description: str = "",
    location: str = "",
    occurred_at: datetime | None = None,
) -> TrackingEvent:
    """Record a scan of ``shipment``; publishes ``tracking_updated``.

    The parcel takes the scan's status. When every parcel of a shipped order is delivered,
    the order moves to delivered. A delivered parcel takes no further scans.
    """
    if shipment.delivered_at is not None:
        raise InvalidState(
            "This parcel was delivered; it takes no more tracking events.",
            code="shipment_delivered",
        )
    now = utcnow()
    when = occurred_at or now
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    assert shipment.id is not None
    event = TrackingEvent(
        shipment_id=shipment.id,
        status=status.value,
        description=description,
        location=location,
        occurred_at=when,
        recorded_at=now,
    )
    session.add(event)
    shipment.status = status.value
    if status == TrackingStatus.delivered:
        shipment.delivered_at = when
    session.add(shipment)
    session.flush()
    assert event.id is not None
    record_event(
        session,
        name="tracking_updated",
        shop_id=shipment.shop_id,
        resource_type="shipment",
        resource_id=shipment.id,
        data={
            "shipment": _snapshot(session, shipment),
            "tracking_event": TrackingEventPublic.model_validate(event).model_dump(mode="json"),
        },
    )
    if status == TrackingStatus.delivered:
        _deliver_order_if_complete(session, shipment.order_id)
    return event


def _deliver_order_if_complete(session: Session, order_id: int) -> None:
    order = session.exec(select(Order).where(Order.id == order_id).with_for_update()).first()
    if order is None or order.status != OrderStatus.shipped:
        return
    pending = session.exec(
        select(Shipment.id).where(
            Shipment.order_id == order_id, col(Shipment.delivered_at).is_(None)
        )
    ).first()
    if pending is None:
        move_order(session, order, OrderStatus.delivered)
