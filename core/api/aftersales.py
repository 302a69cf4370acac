"""REST routes: after-sales requests, from the buyer's side (``/me/orders/...``) and the
shop's side (``/shops/{shop_id}/aftersales``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from core.api.deps import Access, PageParams, PersonIdDep, ReadSessionDep, SessionDep
from core.api.pagination import Page, paginate
from core.auth import ShopAccess
from core.errors import NotFound
from core.models import AfterSale, AfterSaleStatus
from core.schemas.aftersales import (
    AfterSaleCreate,
    AfterSalePublic,
    AfterSaleReject,
    ReturnShipmentCreate,
)
from core.services import aftersales as service
from core.services.carriers import CarrierRegistry
from core.services.carriers import carriers as default_carriers
from sdk.scopes import Scope

router = APIRouter(tags=["aftersales"])


def _carriers(request: Request) -> CarrierRegistry:
    return getattr(request.app.state, "carriers", None) or default_carriers


def _page(
    session: Session, statement: SelectOfScalar[AfterSale], page: tuple[str | None, int]
) -> Page[AfterSalePublic]:
    rows, next_cursor = paginate(session, statement, AfterSale.id, cursor=page[0], limit=page[1])
    return Page(items=[AfterSalePublic.model_validate(r) for r in rows], next_cursor=next_cursor)


def _buyer_aftersale(session: Session, order_id: int, aftersale_id: int) -> AfterSale:
    aftersale = session.exec(
        select(AfterSale).where(AfterSale.id == aftersale_id).with_for_update()
    ).first()
    if aftersale is None or aftersale.order_id != order_id:
        raise NotFound(f"After-sales request {aftersale_id} was not found.")
    return aftersale


# --- the buyer's side -------------------------------------------------------------------


@router.post(
    "/me/orders/{order_id}/aftersales",
    status_code=status.HTTP_201_CREATED,
    summary="Ask for a refund, a return and refund, or an exchange",
)
def request_aftersale(
    order_id: int, body: AfterSaleCreate, buyer_id: PersonIdDep, session: SessionDep
) -> AfterSalePublic:
    order = service.get_buyer_order(session, buyer_id=buyer_id, order_id=order_id)
    aftersale = service.request_aftersale(
        session,
        order=order,
        buyer_id=buyer_id,
        kind=body.kind,
        amount_fen=body.amount_fen,
        reason=body.reason,
    )
    session.commit()
    return AfterSalePublic.model_validate(aftersale)


@router.get("/me/orders/{order_id}/aftersales", summary="My after-sales requests on an order")
def list_my_aftersales(
    order_id: int, buyer_id: PersonIdDep, session: ReadSessionDep, page: PageParams
) -> Page[AfterSalePublic]:
    service.get_buyer_order(session, buyer_id=buyer_id, order_id=order_id)
    return _page(session, select(AfterSale).where(AfterSale.order_id == order_id), page)


@router.post(
    "/me/orders/{order_id}/aftersales/{aftersale_id}/return-shipment",
    summary="Send the return parcel of an accepted return-and-refund or exchange",
)
def add_return_shipment(
    order_id: int,
    aftersale_id: int,
    body: ReturnShipmentCreate,
    request: Request,
    buyer_id: PersonIdDep,
    session: SessionDep,
) -> AfterSalePublic:
    service.get_buyer_order(session, buyer_id=buyer_id, order_id=order_id)
    aftersale = _buyer_aftersale(session, order_id, aftersale_id)
    service.add_return_shipment(
        session,
        aftersale=aftersale,
        carrier_code=body.carrier_code,
        waybill_no=body.waybill_no,
        carriers=_carriers(request),
    )
    session.commit()
    return AfterSalePublic.model_validate(aftersale)


# --- the shop's side --------------------------------------------------------------------


@router.get("/shops/{shop_id}/aftersales", summary="The shop's after-sales requests")
def list_aftersales(
    access: Annotated[ShopAccess, Access(Scope.aftersales_read)],
    session: ReadSessionDep,
    page: PageParams,
    status_: Annotated[AfterSaleStatus | None, Query(alias="status")] = None,
    order_id: int | None = None,
) -> Page[AfterSalePublic]:
    statement = select(AfterSale).where(AfterSale.shop_id == access.shop_id)
    if status_ is not None:
        statement = statement.where(AfterSale.status == status_)
    if order_id is not None:
        statement = statement.where(col(AfterSale.order_id) == order_id)
    return _page(session, statement, page)


@router.get("/shops/{shop_id}/aftersales/{aftersale_id}", summary="One after-sales request")
def get_aftersale(
    aftersale_id: int,
    access: Annotated[ShopAccess, Access(Scope.aftersales_read)],
    session: ReadSessionDep,
) -> AfterSalePublic:
    aftersale = service.get_shop_aftersale(
        session, shop_id=access.shop_id, aftersale_id=aftersale_id
    )
    return AfterSalePublic.model_validate(aftersale)


@router.post(
    "/shops/{shop_id}/aftersales/{aftersale_id}/accept",
    summary="Accept a request (a refund-only request is refunded at once)",
)
def accept_aftersale(
    aftersale_id: int,
    access: Annotated[ShopAccess, Access(Scope.aftersales_write)],
    session: SessionDep,
) -> AfterSalePublic:
    aftersale = service.get_shop_aftersale(
        session, shop_id=access.shop_id, aftersale_id=aftersale_id, for_update=True
    )
    service.accept_aftersale(session, aftersale=aftersale)
    session.commit()
    return AfterSalePublic.model_validate(aftersale)


@router.post(
    "/shops/{shop_id}/aftersales/{aftersale_id}/reject", summary="Reject a request, with a reason"
)
def reject_aftersale(
    aftersale_id: int,
    body: AfterSaleReject,
    access: Annotated[ShopAccess, Access(Scope.aftersales_write)],
    session: SessionDep,
) -> AfterSalePublic:
    aftersale = service.get_shop_aftersale(
        session, shop_id=access.shop_id, aftersale_id=aftersale_id, for_update=True
    )
    service.reject_aftersale(session, aftersale=aftersale, reason=body.reason)
    session.commit()
    return AfterSalePublic.model_validate(aftersale)


@router.post(
    "/shops/{shop_id}/aftersales/{aftersale_id}/complete",
    summary="Complete an accepted return-and-refund (refunds) or exchange",
)
def complete_aftersale(
    aftersale_id: int,
    access: Annotated[ShopAccess, Access(Scope.aftersales_write)],
    session: SessionDep,
) -> AfterSalePublic:
    aftersale = service.get_shop_aftersale(
        session, shop_id=access.shop_id, aftersale_id=aftersale_id, for_update=True
    )
    service.complete_aftersale(session, aftersale=aftersale)
    session.commit()
    return AfterSalePublic.model_validate(aftersale)


@router.post(
    "/shops/{shop_id}/aftersales/{aftersale_id}/replacement-shipment",
    summary="Send the replacement parcel of an exchange (completes it)",
)
def send_replacement(
    aftersale_id: int,
    body: ReturnShipmentCreate,
    request: Request,
    access: Annotated[ShopAccess, Access(Scope.aftersales_write)],
    session: SessionDep,
) -> AfterSalePublic:
    aftersale = service.get_shop_aftersale(
        session, shop_id=access.shop_id, aftersale_id=aftersale_id, for_update=True
    )
    service.send_replacement(
        session,
        aftersale=aftersale,
        carrier_code=body.carrier_code,
        waybill_no=body.waybill_no,
        carriers=_carriers(request),
    )
    session.commit()
    return AfterSalePublic.model_validate(aftersale)
