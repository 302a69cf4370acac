"""REST routes: shipments (parcels) of a shop's orders and their tracking events."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, status
from pydantic import BaseModel
from sqlmodel import Session, col, select

from core.api.deps import Access, PageParams, ReadSessionDep, SessionDep
from core.api.pagination import Page, paginate
from core.auth import ShopAccess
from core.models import Shipment
from core.schemas.shipments import ShipmentCreate, ShipmentPublic, TrackingEventCreate
from core.services import shipments as service
from core.services.carrier_accounts import directory as carrier_directory
from core.services.carriers import CarrierRegistry
from core.services.carriers import carriers as default_carriers
from sdk.scopes import Scope

router = APIRouter(tags=["shipments"])


class CarrierPublic(BaseModel):
    """A carrier and the waybill numbers it accepts (a full-match regular expression)."""

    code: str
    name: str
    waybill_pattern: str


def _carriers(request: Request) -> CarrierRegistry:
    """The built-in carriers and the e-waybill carriers the host registered itself (a
    plugin's carriers are added per shop, by :func:`shop_carriers`)."""
    base = getattr(request.app.state, "carriers", None) or default_carriers
    return carrier_directory.registry(base, plugins=False) if carrier_directory.patterns else base


def shop_carriers(request: Request, session: Session, shop_id: int) -> CarrierRegistry:
    """The built-in carriers plus those the shop's enabled plugins register."""
    base = _carriers(request)
    runtime = getattr(request.app.state, "runtime", None)
    if runtime is None:
        return base
    added = [
        (c.code, c.name, c.waybill_pattern)
        for batch in runtime.host.hooks_for(session, shop_id).register_carriers()
        for c in batch or []
    ]
    return base.extended(added) if added else base


@router.get("/shops/{shop_id}/carriers", summary="Carriers this shop can ship with")
def list_carriers(
    request: Request,
    access: Annotated[ShopAccess, Access(Scope.logistics_read)],
    session: ReadSessionDep,
) -> list[CarrierPublic]:
    """Built-in carriers and those added by the shop's services, ordered by code."""
    registry = shop_carriers(request, session, access.shop_id)
    return [
        CarrierPublic(code=c.code, name=c.name, waybill_pattern=c.waybill_pattern.pattern)
        for c in registry.all()
    ]


def _one(session: SessionDep, shipment: Shipment, carriers: CarrierRegistry) -> ShipmentPublic:
    assert shipment.id is not None
    tracking = service.tracking_of(session, [shipment.id])[shipment.id]
    return service.shipment_public(shipment, tracking, carriers=carriers)


def _page(
    session: SessionDep,
    rows: list[Shipment],
    next_cursor: str | None,
    carriers: CarrierRegistry,
) -> Page[ShipmentPublic]:
    tracking = service.tracking_of(session, [r.id for r in rows if r.id is not None])
    return Page(
        items=[
            service.shipment_public(r, tracking.get(r.id or 0, []), carriers=carriers) for r in rows
        ],
        next_cursor=next_cursor,
    )


@router.post(
    "/shops/{shop_id}/orders/{order_id}/shipments",
    status_code=status.HTTP_201_CREATED,
    summary="Send a parcel for an order",
)
def create_shipment(
    order_id: int,
    body: ShipmentCreate,
    request: Request,
    access: Annotated[ShopAccess, Access(Scope.logistics_write)],
    session: SessionDep,
) -> ShipmentPublic:
    carriers = shop_carriers(request, session, access.shop_id)
    order = service.get_shop_order(session, shop_id=access.shop_id, order_id=order_id)
    shipment = service.create_shipment(
        session,
        order=order,
        carrier_code=body.carrier_code,
        waybill_no=body.waybill_no,
        line_ids=body.line_ids or [line.line_id for line in body.lines],
        quantities={line.line_id: line.quantity for line in body.lines},
        carriers=carriers,
    )
    result = _one(session, shipment, carriers)
    session.commit()
    return result


@router.get("/shops/{shop_id}/orders/{order_id}/shipments", summary="The parcels of an order")
def list_order_shipments(
    order_id: int,
    request: Request,
    access: Annotated[ShopAccess, Access(Scope.logistics_read)],
    session: ReadSessionDep,
    page: PageParams,
) -> Page[ShipmentPublic]:
    service.get_shop_order(session, shop_id=access.shop_id, order_id=order_id)
    statement = select(Shipment).where(
        Shipment.shop_id == access.shop_id, Shipment.order_id == order_id
    )
    rows, next_cursor = paginate(session, statement, Shipment.id, cursor=page[0], limit=page[1])
    return _page(session, rows, next_cursor, _carriers(request))


@router.get("/shops/{shop_id}/shipments", summary="The shop's parcels")
def list_shipments(
    request: Request,
    access: Annotated[ShopAccess, Access(Scope.logistics_read)],
    session: ReadSessionDep,
    page: PageParams,
    order_id: int | None = None,
    carrier_code: str | None = None,
    waybill_no: str | None = None,
) -> Page[ShipmentPublic]:
    statement = select(Shipment).where(Shipment.shop_id == access.shop_id)
    if order_id is not None:
        statement = statement.where(col(Shipment.order_id) == order_id)
    if carrier_code:
        statement = statement.where(Shipment.carrier_code == carrier_code.strip().upper())
    if waybill_no:
        statement = statement.where(Shipment.waybill_no == waybill_no.strip().upper())
    rows, next_cursor = paginate(session, statement, Shipment.id, cursor=page[0], limit=page[1])
    return _page(session, rows, next_cursor, _carriers(request))


@router.get("/shops/{shop_id}/shipments/{shipment_id}", summary="One parcel with its tracking")
def get_shipment(
    shipment_id: int,
    request: Request,
    access: Annotated[ShopAccess, Access(Scope.logistics_read)],
    session: ReadSessionDep,
) -> ShipmentPublic:
    shipment = service.get_shop_shipment(session, shop_id=access.shop_id, shipment_id=shipment_id)
    return _one(session, shipment, _carriers(request))


@router.post(
    "/shops/{shop_id}/shipments/{shipment_id}/tracking",
    status_code=status.HTTP_201_CREATED,
    summary="Add a tracking event to a parcel",
)
def add_tracking_event(
    shipment_id: int,
    body: TrackingEventCreate,
    request: Request,
    access: Annotated[ShopAccess, Access(Scope.logistics_write)],
    session: SessionDep,
) -> ShipmentPublic:
    shipment = service.get_shop_shipment(
        session, shop_id=access.shop_id, shipment_id=shipment_id, for_update=True
    )
    service.add_tracking_event(
        session,
        shipment=shipment,
        status=body.status,
        description=body.description,
        location=body.location,
        occurred_at=body.occurred_at,
    )
    result = _one(session, shipment, _carriers(request))
    session.commit()
    return result
