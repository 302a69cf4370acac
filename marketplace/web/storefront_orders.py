"""The buyer page's orders: place one, pay it in the sandbox, follow it (status, parcels and
tracking), cancel it, confirm receipt.

A buyer is the signed-in person, the same account the API knows by a personal token; every
order is read with that buyer's id, so another person's order is "not found". The pages go
through the same kernel services as ``/api/v1/storefront`` and ``/api/v1/me/orders``;
refund requests live in :mod:`marketplace.web.storefront_aftersales`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session, col, select

from core.api.deps import ReadSessionDep, SessionDep
from core.api.storefront import order_adjuster, selling_shop, visible_shop
from core.errors import TanziError
from core.models import AfterSale, AfterSaleKind, Order
from core.schemas.orders import OrderCreate
from core.services import aftersales as aftersale_svc
from core.services import order_views as views
from core.services import orders as order_svc
from core.services.payments import provider_for
from core.services.storefront import order_shipments, shop_profile
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAccount
from marketplace.web.storefront_browse import product_context
from marketplace.web.templating import flash, gettext_for, render

router = web_router(tags=["storefront pages"])

#: Order states in which the page offers the refund form (the service checks again).
REFUNDABLE_STATES = {s.value for s in aftersale_svc.ELIGIBLE_ORDER_STATES}
#: After-sales kinds a buyer picks on the page (exchanges need the merchant's parcel flow).
PAGE_KINDS = (AfterSaleKind.refund_only, AfterSaleKind.return_and_refund)


def order_path(shop_id: int, order_id: int | None) -> str:
    """The buyer's page of one order."""
    return f"/s/{shop_id}/orders/{order_id}"


def _form_errors(request: Request, exc: ValidationError) -> dict[str, str]:
    _ = gettext_for(request)
    messages = {
        "recipient_name": _("Enter the recipient's name."),
        "recipient_phone": _("Enter a phone number (digits, 5 to 20)."),
        "province_code": _("Choose a province."),
        "address": _("At most 300 characters."),
        "quantity": _("From 1 to 999."),
        "sku_id": _("Choose an option."),
        "codes": _("A coupon code is letters, digits, '-' and '_', at most 40."),
    }
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        name = "quantity" if "quantity" in loc else "sku_id" if "sku_id" in loc else loc[0]
        message = messages.get(name, str(error["msg"]))
        errors.setdefault("coupon_code" if name == "codes" else name, message)
    return errors


@router.post("/s/{shop_id}/p/{product_id}/order")
def place_order(
    shop_id: int,
    product_id: int,
    request: Request,
    session: SessionDep,
    read_session: ReadSessionDep,
    account: RequireAccount,
    order_key: Annotated[str, Form(min_length=1, max_length=100)],
    sku_id: Annotated[str, Form()] = "",
    quantity: Annotated[str, Form()] = "1",
    recipient_name: Annotated[str, Form()] = "",
    recipient_phone: Annotated[str, Form()] = "",
    province_code: Annotated[str, Form()] = "",
    address: Annotated[str, Form()] = "",
    self_pickup: Annotated[str, Form()] = "",
    coupon_code: Annotated[str, Form()] = "",
) -> Response:
    """Place the order (a resubmitted form returns the first order), then show it. A coupon
    code goes to the shop's services as the order's ``codes`` (``order_adjustments``)."""
    form = {
        "sku_id": sku_id,
        "quantity": quantity,
        "recipient_name": recipient_name.strip(),
        "recipient_phone": recipient_phone.strip(),
        "province_code": province_code,
        "address": address.strip(),
        "self_pickup": bool(self_pickup),
        "coupon_code": coupon_code.strip(),
    }
    assert account.id is not None
    context = product_context(read_session, shop_id, product_id, account)
    errors: dict[str, str] = {}
    placed = None
    try:
        if sku_id not in {str(s.id) for s in context["product"].skus}:
            raise TanziError("unknown option", field="body.lines[0].sku_id")
        data = OrderCreate(
            lines=[{"sku_id": sku_id, "quantity": quantity}],
            recipient_name=form["recipient_name"],
            recipient_phone=form["recipient_phone"],
            province_code=province_code,
            address=form["address"],
            self_pickup=form["self_pickup"],
            codes=[form["coupon_code"]] if form["coupon_code"] else [],
        )
        placed = order_svc.place_order_with_lines(
            session,
            shop_id=shop_id,
            buyer_id=account.id,
            idempotency_key=f"web-{order_key}",
            data=data,
            adjust=order_adjuster(request.app.state.runtime.decisions, read_session, shop_id),
            read_session=read_session,
        )
    except ValidationError as exc:
        errors = _form_errors(request, exc)
    except TanziError as exc:
        session.rollback()
        name = (exc.field or "").rsplit(".", 1)[-1]
        errors = {name if name in form else "form": _order_problem(request, exc)}
    if placed is None:
        context.update(form={**context["form"], **form}, errors=errors, order_key=order_key)
        return render(request, "storefront/product.html", context, status_code=400)
    session.commit()
    return RedirectResponse(order_path(shop_id, placed.order.id), status_code=303)


def _order_problem(request: Request, exc: TanziError) -> str:
    _ = gettext_for(request)
    words = {
        "out_of_stock": _("Not enough stock left for this option."),
        "unknown_province": _("Choose a province."),
        "not_sellable_in_region": _("This product is not sold to that province."),
        "address_required": _("Enter the address, or choose self pickup."),
        "self_pickup_unavailable": _("This product cannot be picked up."),
        "shop_suspended": _("This shop is not taking orders right now."),
        "order_prices_changed": _("The price changed meanwhile; check it and order again."),
    }
    if exc.code in words:
        return words[exc.code]
    if exc.field and exc.field.endswith("sku_id"):
        return _("Choose an option.")
    return _("The order could not be placed: %(why)s") % {"why": exc.detail}


@router.get("/s/{shop_id}/orders")
def my_orders(
    shop_id: int, request: Request, session: ReadSessionDep, account: RequireAccount
) -> Response:
    """The signed-in buyer's orders in this shop, newest first."""
    shop = visible_shop(session, shop_id)
    rows = session.exec(
        views.orders_query(shop_id=shop_id, buyer_id=account.id)
        .order_by(col(Order.id).desc())
        .limit(100)
    ).all()
    orders = views.orders_public(session, rows)
    profile = shop_profile(session, shop)
    session.commit()
    return render(request, "storefront/orders.html", {"shop": profile, "orders": orders})


def order_context(
    session: Session, request: Request, shop_id: int, order_id: int, buyer_id: int
) -> dict[str, Any]:
    """What the order page shows; another buyer's order, or one of another shop, is 404."""
    shop = visible_shop(session, shop_id)
    order = views.get_order(session, order_id=order_id, shop_id=shop_id, buyer_id=buyer_id)
    aftersales = session.exec(
        select(AfterSale).where(AfterSale.order_id == order.id).order_by(col(AfterSale.id))
    ).all()
    context = {
        "shop": shop_profile(session, shop),
        "order": views.order_public(session, order),
        "shipments": order_shipments(
            session, order, carriers=getattr(request.app.state, "carriers", None)
        ),
        "aftersales": list(aftersales),
        "refundable_fen": aftersale_svc.refundable_fen(session, order=order),
        "can_refund": order.status.value in REFUNDABLE_STATES,
        "kinds": [k.value for k in PAGE_KINDS],
        "refund_form": {},
        "refund_errors": {},
    }
    session.commit()
    return context


@router.get("/s/{shop_id}/orders/{order_id}")
def order_page(
    shop_id: int, order_id: int, request: Request, session: ReadSessionDep, account: RequireAccount
) -> Response:
    """One of the buyer's orders: what it holds, its status, parcels and tracking, its
    after-sales requests, and what the buyer may do next."""
    assert account.id is not None
    context = order_context(session, request, shop_id, order_id, account.id)
    return render(request, "storefront/order.html", context)


def _act(
    request: Request,
    session: Session,
    shop_id: int,
    order_id: int,
    account_id: int,
    action: str,
) -> Response:
    _ = gettext_for(request)
    path = order_path(shop_id, order_id)
    try:
        if action == "pay":
            selling_shop(session, shop_id)  # a suspended shop takes no money
        order = views.get_order(
            session, order_id=order_id, shop_id=shop_id, buyer_id=account_id, lock=action != "pay"
        )
        provider = provider_for(request.app.state)
        if action == "pay":
            order_svc.pay_order(session, order=order, provider=provider)
            done = _("Paid. The shop will ship it soon.")
        elif action == "cancel":
            order_svc.cancel_order(session, order=order, by="buyer", provider=provider)
            done = _("The order is cancelled.")
        else:
            order_svc.confirm_receipt(session, order=order)
            done = _("Thank you: the order is completed.")
    except TanziError as exc:
        session.rollback()
        if exc.status == 404:
            raise
        flash(request, _("That did not work: %(why)s") % {"why": exc.detail}, "error")
        return RedirectResponse(path, status_code=303)
    session.commit()
    flash(request, done, "success")
    return RedirectResponse(path, status_code=303)


@router.post("/s/{shop_id}/orders/{order_id}/pay")
def pay(
    shop_id: int, order_id: int, request: Request, session: SessionDep, account: RequireAccount
) -> Response:
    """Pay the order in the sandbox (or the provider the host configured)."""
    assert account.id is not None
    return _act(request, session, shop_id, order_id, account.id, "pay")


@router.post("/s/{shop_id}/orders/{order_id}/cancel")
def cancel(
    shop_id: int, order_id: int, request: Request, session: SessionDep, account: RequireAccount
) -> Response:
    """Cancel an order still awaiting payment."""
    assert account.id is not None
    return _act(request, session, shop_id, order_id, account.id, "cancel")


@router.post("/s/{shop_id}/orders/{order_id}/confirm")
def confirm(
    shop_id: int, order_id: int, request: Request, session: SessionDep, account: RequireAccount
) -> Response:
    """Confirm a delivered order arrived."""
    assert account.id is not None
    return _act(request, session, shop_id, order_id, account.id, "confirm")
