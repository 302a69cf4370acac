"""REST routes: a shop's orders (merchant side)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Request

from core.api.deps import Access, PageParams, ReadSessionDep, SessionDep
from core.api.pagination import Page, paginate
from core.auth import ShopAccess
from core.errors import PermissionDenied
from core.models import Order, OrderStatus
from core.schemas.orders import OrderCancel, OrderNote, OrderPublic
from core.services import order_views as views
from core.services import orders as svc
from core.services.order_notes import annotate_order
from core.services.payments import provider_for
from sdk.scopes import Scope

router = APIRouter(tags=["orders"])

ReadAccess = Annotated[ShopAccess, Access(Scope.orders_read)]
WriteAccess = Annotated[ShopAccess, Access(Scope.orders_write)]
PathId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ORDER = "/shops/{shop_id}/orders/{order_id}"


@router.get("/shops/{shop_id}/orders", response_model=Page[OrderPublic])
def list_orders(
    access: ReadAccess,
    session: ReadSessionDep,
    page: PageParams,
    status: Annotated[OrderStatus | None, Query(description="Only this status")] = None,
    placed_from: Annotated[
        datetime | None, Query(description="Placed at or after this time (ISO 8601)")
    ] = None,
    placed_before: Annotated[
        datetime | None, Query(description="Placed before this time (ISO 8601)")
    ] = None,
    recipient_phone: Annotated[
        str | None,
        Query(max_length=20, description="The recipient's phone (needs ``orders:pii``)"),
    ] = None,
) -> Page[OrderPublic]:
    """The shop's orders with their lines; recipients only with ``orders:pii``.

    Filters: status, the time placed, and the recipient's phone (403 without ``orders:pii``:
    filtering on it would reveal it).
    """
    if recipient_phone and not access.can(Scope.orders_pii):
        raise PermissionDenied(
            "Filtering on the recipient's phone needs the orders:pii scope.",
            code="scope_denied",
            field="query.recipient_phone",
            extra={"missing_scope": Scope.orders_pii.value},
        )
    rows, next_cursor = paginate(
        session,
        views.orders_query(
            shop_id=access.shop_id,
            status=status,
            placed_from=_utc(placed_from),
            placed_before=_utc(placed_before),
            recipient_phone=recipient_phone,
        ),
        Order.id,
        cursor=page[0],
        limit=page[1],
    )
    items = views.orders_public(
        session, rows, include_pii=access.can(Scope.orders_pii), for_merchant=True
    )
    return Page(items=items, next_cursor=next_cursor)


def _utc(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


@router.get(ORDER, response_model=OrderPublic)
def get_order(access: ReadAccess, session: ReadSessionDep, order_id: PathId) -> OrderPublic:
    """One order with its lines; recipients only with ``orders:pii``."""
    order = views.get_order(session, order_id=order_id, shop_id=access.shop_id)
    return views.order_public(
        session, order, include_pii=access.can(Scope.orders_pii), for_merchant=True
    )


@router.post(ORDER + "/cancel", response_model=OrderPublic)
def cancel_order(
    request: Request,
    access: WriteAccess,
    session: SessionDep,
    order_id: PathId,
    body: Annotated[OrderCancel | None, Body()] = None,
) -> OrderPublic:
    """Cancel a pending or paid order (a paid one is refunded); its stock goes back."""
    order = views.get_order(session, order_id=order_id, shop_id=access.shop_id, lock=True)
    svc.cancel_order(
        session,
        order=order,
        by="merchant",
        reason=body.reason if body else "",
        provider=provider_for(request.app.state),
    )
    out = views.order_public(
        session, order, include_pii=access.can(Scope.orders_pii), for_merchant=True
    )
    session.commit()
    return out


@router.post(ORDER + "/mark-delivered", response_model=OrderPublic)
def mark_delivered(access: WriteAccess, session: SessionDep, order_id: PathId) -> OrderPublic:
    """Record that a shipped order was delivered."""
    order = views.get_order(session, order_id=order_id, shop_id=access.shop_id, lock=True)
    svc.mark_delivered(session, order=order)
    out = views.order_public(
        session, order, include_pii=access.can(Scope.orders_pii), for_merchant=True
    )
    session.commit()
    return out


@router.post(ORDER + "/note", response_model=OrderPublic)
def note_order(
    access: WriteAccess, session: SessionDep, order_id: PathId, body: OrderNote
) -> OrderPublic:
    """Set the merchant's note and coloured flag on an order (fields left out stay as
    they are; ``note: ""`` and ``flag: "none"`` remove them). The buyer never sees them."""
    order = views.get_order(session, order_id=order_id, shop_id=access.shop_id, lock=True)
    annotate_order(session, order=order, note=body.note, flag=body.flag)
    out = views.order_public(
        session, order, include_pii=access.can(Scope.orders_pii), for_merchant=True
    )
    session.commit()
    return out
