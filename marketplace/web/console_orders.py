"""The console's order pages: orders (list with filters, and detail), after-sales requests
(accept or reject) and shipments (with their tracking, and a form to add a scan). The
order page's forms (ship, cancel, pickup code) post to :mod:`console_order_actions`.

Each page asks :func:`core.auth.authorize_shop` with the member's permissions: a member
whose role lacks the orders (or logistics) area gets the 403 page. The buyer's name, phone
and address show only when the member holds ``orders:pii``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from core.api.deps import ReadSessionDep, SessionDep
from core.api.shipments import shop_carriers
from core.auth import ShopAccess
from core.errors import InvalidInput, InvalidState
from core.models import AfterSale, AfterSaleKind, AfterSaleStatus, Order, OrderStatus, Shipment
from core.plugins.actions import carrier_account_choices, shop_actions
from core.schemas.shipments import TrackingStatus
from core.services import aftersales as aftersale_service
from core.services import pickup as pickup_service
from core.services import shipments as shipment_service
from core.services.order_views import get_order, order_public, orders_public, orders_query
from marketplace.web.console_access import (
    Paged,
    console_context,
    member_access,
    page_number,
    page_of_rows,
)
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAccount
from marketplace.web.templating import flash, gettext_for, render
from sdk.scopes import Scope

router = web_router(tags=["merchant console"])

REASON_MAX = 500
#: Order states a merchant may cancel (a paid order is refunded in full).
CANCELLABLE = frozenset({OrderStatus.pending_payment, OrderStatus.paid})


def _status(value: str, enum: Any) -> Any:
    return enum(value) if value in {s.value for s in enum} else None


def waybills_of_orders(session: Session, order_ids: list[int]) -> dict[int, list[str]]:
    """Each listed order's shipments as ``"CARRIER number"``, in one query."""
    found: dict[int, list[str]] = {}
    if not order_ids:
        return found
    rows = session.exec(
        select(Shipment).where(col(Shipment.order_id).in_(order_ids)).order_by(col(Shipment.id))
    )
    for row in rows:
        found.setdefault(row.order_id, []).append(f"{row.carrier_code} {row.waybill_no}")
    return found


@dataclass(frozen=True)
class OrderFilters:
    """The orders list's filters as the form sent them, and their problems."""

    status: str = ""
    date_from: str = ""
    date_to: str = ""
    phone: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    def query(self) -> str:
        """The filters as a query string for the pager's links."""
        return urlencode(
            {"status": self.status, "from": self.date_from, "to": self.date_to, "phone": self.phone}
        )


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


@router.get("/console/shops/{shop_id}/orders")
def orders_page(
    shop_id: int,
    request: Request,
    session: ReadSessionDep,
    account: RequireAccount,
    status: str = "",
    date_from: Annotated[str, Query(alias="from", max_length=10)] = "",
    date_to: Annotated[str, Query(alias="to", max_length=10)] = "",
    phone: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """The shop's orders, newest first, filtered by status, the day placed (UTC, both ends
    included) and the recipient's phone (members who may see it), with the plugins'
    actions on selected rows."""
    access = member_access(session, account, shop_id, Scope.orders_read)
    _ = gettext_for(request)
    chosen = _status(status, OrderStatus)
    errors: dict[str, str] = {}
    first, last = _day(date_from), _day(date_to)
    if date_from and first is None:
        errors["from"] = _("Enter a date like 2026-12-01.")
    if date_to and last is None:
        errors["to"] = _("Enter a date like 2026-12-01.")
    if first and last and last < first:
        errors["to"] = _("The end date is before the start date.")
    can_pii = access.can(Scope.orders_pii)
    statement = orders_query(
        shop_id=shop_id,
        status=chosen,
        placed_from=_midnight(first) if first and not errors else None,
        placed_before=_midnight(last + timedelta(days=1)) if last and not errors else None,
        recipient_phone=phone if can_pii else None,
    ).order_by(col(Order.id).desc())
    paged = page_of_rows(session, statement, page_number(request))
    views = orders_public(session, paged.rows, include_pii=can_pii, for_merchant=True)
    actions = shop_actions(
        session, host=request.app.state.plugins, shop_id=shop_id, area="orders", can=access.can
    )
    carrier_accounts = carrier_account_choices(session, actions, shop_id)
    waybills = waybills_of_orders(session, [v.id for v in views])
    session.commit()
    filters = OrderFilters(
        status=chosen.value if chosen else "",
        date_from=date_from,
        date_to=date_to,
        phone=phone if can_pii else "",
        errors=errors,
    )
    return render(
        request,
        "console/orders.html",
        console_context(
            access,
            "orders",
            paged=Paged(rows=views, page=paged.page, pages=paged.pages, total=paged.total),
            actions=actions,
            carrier_accounts=carrier_accounts,
            waybills=waybills,
            filters=filters,
            status=filters.status,
            statuses=[s.value for s in OrderStatus],
            can_filter_phone=can_pii,
        ),
        status_code=400 if errors else 200,
    )


@router.get("/console/shops/{shop_id}/orders/{order_id}")
def order_page(
    shop_id: int, order_id: int, request: Request, session: ReadSessionDep, account: RequireAccount
) -> Response:
    """One order: lines, totals, the buyer's details (with ``orders:pii``), the pickup store
    or the parcels with their tracking, after-sales requests, and the forms to ship, cancel
    or complete a pickup for members whose role allows it."""
    access = member_access(session, account, shop_id, Scope.orders_read)
    return render_order_page(request, session, access, order_id)


def render_order_page(
    request: Request,
    session: Session,
    access: ShopAccess,
    order_id: int,
    *,
    errors: dict[str, dict[str, str]] | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The order page, with the field ``errors`` of a form (``ship``, ``cancel``,
    ``pickup``) and what was ``typed`` into it when a post is refused."""
    order = get_order(session, order_id=order_id, shop_id=access.shop_id)
    view = order_public(session, order, include_pii=access.can(Scope.orders_pii), for_merchant=True)
    shipments: list[Any] = []
    shipped: dict[int, int] = {}
    if access.can(Scope.logistics_read):
        rows = list(
            session.exec(
                select(Shipment).where(Shipment.order_id == order_id).order_by(col(Shipment.id))
            ).all()
        )
        tracking = shipment_service.tracking_of(session, [r.id for r in rows if r.id])
        shipments = [shipment_service.shipment_public(r, tracking[r.id or 0]) for r in rows]
        shipped = shipment_service.shipped_quantities(session, order_id)
    aftersales = list(
        session.exec(
            select(AfterSale).where(AfterSale.order_id == order_id).order_by(col(AfterSale.id))
        ).all()
    )
    pickup = pickup_service.order_pickup_public(session, order=order, include_code=False)
    can_ship = (
        access.can(Scope.logistics_write)
        and order.status in shipment_service.SHIPPABLE_ORDER_STATES
        and not order.self_pickup
        and any(shipped.get(line.id, 0) < line.quantity for line in view.lines)
    )
    carriers = (
        [(c.code, c.name) for c in shop_carriers(request, session, access.shop_id).all()]
        if can_ship
        else []
    )
    session.commit()
    return render(
        request,
        "console/order.html",
        console_context(
            access,
            "orders",
            order=view,
            shipments=shipments,
            shipped=shipped,
            aftersales=aftersales,
            pickup=pickup,
            carriers=carriers,
            can_ship=can_ship,
            can_cancel=access.can(Scope.orders_write) and order.status in CANCELLABLE,
            can_pickup=access.can(Scope.orders_write)
            and order.self_pickup
            and order.status == OrderStatus.paid,
            errors=errors or {},
            typed=typed or {},
        ),
        status_code=status_code,
    )


# -- after-sales ---------------------------------------------------------------------------


def _aftersales_page(
    request: Request,
    session: Session,
    access: ShopAccess,
    *,
    status: str = "",
    errors: dict[int, str] | None = None,
    typed: dict[int, str] | None = None,
    status_code: int = 200,
) -> Response:
    chosen = _status(status, AfterSaleStatus)
    statement = select(AfterSale).where(AfterSale.shop_id == access.shop_id)
    if chosen is not None:
        statement = statement.where(AfterSale.status == chosen)
    paged = page_of_rows(
        session, statement.order_by(col(AfterSale.id).desc()), page_number(request)
    )
    awaiting_replacement = any(
        a.kind == AfterSaleKind.exchange and a.status == AfterSaleStatus.accepted
        for a in paged.rows
    )
    carriers = (
        [(c.code, c.name) for c in shop_carriers(request, session, access.shop_id).all()]
        if awaiting_replacement and access.can(Scope.aftersales_write)
        else []
    )
    session.commit()
    return render(
        request,
        "console/aftersales.html",
        console_context(
            access,
            "aftersales",
            paged=paged,
            status=chosen.value if chosen else "",
            statuses=[s.value for s in AfterSaleStatus],
            can_decide=access.can(Scope.aftersales_write),
            carriers=carriers,
            errors=errors or {},
            typed=typed or {},
        ),
        status_code=status_code,
    )


@router.get("/console/shops/{shop_id}/aftersales")
def aftersales_page(
    shop_id: int,
    request: Request,
    session: ReadSessionDep,
    account: RequireAccount,
    status: str = "",
) -> Response:
    """After-sales requests, newest first; pending ones carry Accept and Reject forms."""
    access = member_access(session, account, shop_id, Scope.aftersales_read)
    return _aftersales_page(request, session, access, status=status)


@router.post("/console/shops/{shop_id}/aftersales/{aftersale_id}/accept")
def accept_aftersale(
    shop_id: int,
    aftersale_id: int,
    request: Request,
    session: SessionDep,
    account: RequireAccount,
) -> Response:
    """Accept a request (a refund-only request is refunded at once)."""
    access = member_access(session, account, shop_id, Scope.aftersales_write)
    _ = gettext_for(request)
    aftersale = aftersale_service.get_shop_aftersale(
        session, shop_id=access.shop_id, aftersale_id=aftersale_id, for_update=True
    )
    try:
        aftersale_service.accept_aftersale(session, aftersale=aftersale)
    except InvalidState:
        session.rollback()
        flash(request, _("Request #%(id)s was already decided.") % {"id": aftersale_id}, "error")
        return RedirectResponse(f"/console/shops/{shop_id}/aftersales", status_code=303)
    session.commit()
    flash(request, _("Request #%(id)s accepted.") % {"id": aftersale_id}, "success")
    return RedirectResponse(f"/console/shops/{shop_id}/aftersales", status_code=303)


@router.post("/console/shops/{shop_id}/aftersales/{aftersale_id}/reject")
def reject_aftersale(
    shop_id: int,
    aftersale_id: int,
    request: Request,
    session: SessionDep,
    account: RequireAccount,
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Reject a request with a reason the buyer sees; no reason re-renders with its error."""
    access = member_access(session, account, shop_id, Scope.aftersales_write)
    _ = gettext_for(request)
    aftersale = aftersale_service.get_shop_aftersale(
        session, shop_id=access.shop_id, aftersale_id=aftersale_id, for_update=True
    )
    error = ""
    if len(reason) > REASON_MAX:
        error = _("At most 500 characters.")
    else:
        try:
            aftersale_service.reject_aftersale(session, aftersale=aftersale, reason=reason)
        except InvalidInput:
            error = _("Tell the buyer why the request is rejected.")
        except InvalidState:
            session.rollback()
            flash(
                request, _("Request #%(id)s was already decided.") % {"id": aftersale_id}, "error"
            )
            return RedirectResponse(f"/console/shops/{shop_id}/aftersales", status_code=303)
    if error:
        session.rollback()
        return _aftersales_page(
            request,
            session,
            access,
            errors={aftersale_id: error},
            typed={aftersale_id: reason},
            status_code=400,
        )
    session.commit()
    flash(request, _("Request #%(id)s rejected.") % {"id": aftersale_id}, "success")
    return RedirectResponse(f"/console/shops/{shop_id}/aftersales", status_code=303)


# -- shipments -----------------------------------------------------------------------------


def _shipments_page(
    request: Request,
    session: Session,
    access: ShopAccess,
    *,
    errors: dict[int, dict[str, str]] | None = None,
    typed: dict[int, dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    statement = (
        select(Shipment).where(Shipment.shop_id == access.shop_id).order_by(col(Shipment.id).desc())
    )
    paged = page_of_rows(session, statement, page_number(request))
    tracking = shipment_service.tracking_of(session, [r.id for r in paged.rows if r.id])
    views = [shipment_service.shipment_public(r, tracking[r.id or 0]) for r in paged.rows]
    session.commit()
    return render(
        request,
        "console/shipments.html",
        console_context(
            access,
            "shipments",
            paged=Paged(rows=views, page=paged.page, pages=paged.pages, total=paged.total),
            can_track=access.can(Scope.logistics_write),
            tracking_statuses=[s.value for s in TrackingStatus],
            errors=errors or {},
            typed=typed or {},
        ),
        status_code=status_code,
    )


@router.get("/console/shops/{shop_id}/shipments")
def shipments_page(
    shop_id: int, request: Request, session: ReadSessionDep, account: RequireAccount
) -> Response:
    """The shop's parcels, newest first, each with its tracking history."""
    access = member_access(session, account, shop_id, Scope.logistics_read)
    return _shipments_page(request, session, access)


@router.post("/console/shops/{shop_id}/shipments/{shipment_id}/tracking")
def add_tracking(
    shop_id: int,
    shipment_id: int,
    request: Request,
    session: SessionDep,
    account: RequireAccount,
    status: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    location: Annotated[str, Form()] = "",
) -> Response:
    """Record a scan of a parcel (``delivered`` on every parcel delivers the order)."""
    access = member_access(session, account, shop_id, Scope.logistics_write)
    _ = gettext_for(request)
    shipment = shipment_service.get_shop_shipment(
        session, shop_id=access.shop_id, shipment_id=shipment_id, for_update=True
    )
    errors: dict[str, str] = {}
    if status not in {s.value for s in TrackingStatus}:
        errors["status"] = _("Choose where the parcel is.")
    if len(description) > 300:
        errors["description"] = _("At most 300 characters.")
    if len(location) > 100:
        errors["location"] = _("At most 100 characters.")
    if not errors:
        try:
            shipment_service.add_tracking_event(
                session,
                shipment=shipment,
                status=TrackingStatus(status),
                description=description.strip(),
                location=location.strip(),
            )
        except InvalidState:
            errors["status"] = _("This parcel was delivered; it takes no more scans.")
    if errors:
        session.rollback()
        typed = {"status": status, "description": description, "location": location}
        return _shipments_page(
            request,
            session,
            access,
            errors={shipment_id: errors},
            typed={shipment_id: typed},
            status_code=400,
        )
    session.commit()
    flash(request, _("Tracking added to parcel %(waybill)s.") % {"waybill": shipment.waybill_no})
    return RedirectResponse(f"/console/shops/{shop_id}/shipments", status_code=303)
