"""The order page's forms: ship a parcel (carrier, waybill, how many items of each line),
cancel with a reason, complete a self-pickup order with the buyer's code; and the
after-sales page's replacement parcel for an exchange.

Each handler asks the same guard as the API (:func:`member_access` with the route's scope)
and calls the same kernel service; a refused form re-renders its page with a message by
the field, translated, at status 400 (429 for a locked pickup code).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from core.api.deps import SessionDep
from core.api.shipments import shop_carriers
from core.auth import ShopAccess
from core.errors import RateLimited, TanziError
from core.services import aftersales as aftersale_service
from core.services import pickup as pickup_service
from core.services import shipments as shipment_service
from core.services.order_views import get_order
from core.services.orders import cancel_order
from core.services.payments import provider_for
from marketplace.web.console_access import member_access
from marketplace.web.console_orders import render_order_page
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAccount
from marketplace.web.templating import flash, gettext_for
from sdk.scopes import Scope

router = web_router(tags=["merchant console"])

ORDER_PAGE = "/console/shops/{shop_id}/orders/{order_id}"
CANCEL_REASON_MAX = 300


def _problem_message(request: Request, exc: TanziError) -> str:
    """A kernel problem in the reader's language (the kernel's English otherwise)."""
    _ = gettext_for(request)
    words = {
        "unknown_carrier": _("Choose a carrier from the list."),
        "invalid_waybill": _("This is not a waybill number of that carrier."),
        "duplicate_waybill": _("This waybill number is already used by another parcel."),
        "too_many_items": _("At most %(n)s of these items are left to ship.")
        % {"n": exc.extra.get("unshipped", 0)},
        "order_not_shippable": _("This order can no longer be shipped."),
        "cancel_not_allowed": _("This order can no longer be cancelled."),
        "wrong_pickup_code": _("This is not the order's pickup code (%(left)s tries left).")
        % {"left": exc.extra.get("attempts_left", 0)},
        "order_not_ready_for_pickup": _("This order is not waiting to be picked up."),
        "rate_limited": _("Too many wrong codes: this order's code is locked for a while."),
        "return_not_shipped": _("The buyer has not sent the return parcel yet."),
        "invalid_aftersale_transition": _("This request is not waiting for a replacement."),
    }
    return words.get(exc.code, exc.detail)


def _refused(
    request: Request,
    session: Session,
    access: ShopAccess,
    order_id: int,
    form: str,
    errors: dict[str, str],
    typed: dict[str, str],
    status_code: int = 400,
) -> Response:
    session.rollback()
    return render_order_page(
        request,
        session,
        access,
        order_id,
        errors={form: errors},
        typed=typed,
        status_code=status_code,
    )


def _quantities(form: dict[str, str], line_ids: list[int]) -> tuple[dict[int, int], dict[str, str]]:
    """``qty_<line id>`` fields: the items of each line in this parcel, and bad entries."""
    out: dict[int, int] = {}
    bad: dict[str, str] = {}
    for line_id in line_ids:
        raw = str(form.get(f"qty_{line_id}", "") or "0").strip()
        if not raw.isdigit() or len(raw) > 4:
            bad[f"qty_{line_id}"] = raw
        elif int(raw) > 0:
            out[line_id] = int(raw)
    return out, bad


async def _form_fields(request: Request) -> dict[str, str]:
    """The posted form's text fields (the CSRF check has already read the body)."""
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


FormFields = Annotated[dict[str, str], Depends(_form_fields)]


@router.post(ORDER_PAGE + "/ship")
def ship_order(
    shop_id: int,
    order_id: int,
    request: Request,
    session: SessionDep,
    account: RequireAccount,
    form: FormFields,
) -> Response:
    """Send a parcel holding the quantities typed for each line; the first parcel of a paid
    order ships it. Several parcels: submit the form once per parcel."""
    access = member_access(session, account, shop_id, Scope.logistics_write)
    _ = gettext_for(request)
    carrier_code = str(form.get("carrier_code", ""))[:32]
    waybill_no = str(form.get("waybill_no", ""))[:40]
    order = shipment_service.get_shop_order(session, shop_id=access.shop_id, order_id=order_id)
    view_lines = shipment_service.shipped_quantities(session, order_id)
    counts, bad = _quantities(form, list(view_lines))
    typed = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    errors: dict[str, str] = dict.fromkeys(bad, _("Enter a whole number of items."))
    if not waybill_no.strip():
        errors["waybill_no"] = _("Enter the waybill number.")
    if not counts and not bad:
        errors["form"] = _("Put at least one item in the parcel.")
    if errors:
        return _refused(request, session, access, order_id, "ship", errors, typed)
    try:
        shipment = shipment_service.create_shipment(
            session,
            order=order,
            carrier_code=carrier_code,
            waybill_no=waybill_no,
            line_ids=list(counts),
            quantities=counts,
            carriers=shop_carriers(request, session, access.shop_id),
        )
    except TanziError as exc:
        line_id = exc.extra.get("line_id")
        name = (
            f"qty_{line_id}"
            if line_id
            else ("carrier_code" if exc.code == "unknown_carrier" else exc.field or "form")
        )
        name = name.rsplit(".", 1)[-1] if name.startswith("body.") else name
        if name not in {"carrier_code", "waybill_no"} and not name.startswith("qty_"):
            name = "form"  # the page shows what has no field of its own above the button
        return _refused(
            request,
            session,
            access,
            order_id,
            "ship",
            {name: _problem_message(request, exc)},
            typed,
        )
    session.commit()
    flash(request, _("Parcel %(waybill)s sent.") % {"waybill": shipment.waybill_no}, "success")
    return RedirectResponse(ORDER_PAGE.format(shop_id=shop_id, order_id=order_id), 303)


@router.post(ORDER_PAGE + "/cancel")
def cancel(
    shop_id: int,
    order_id: int,
    request: Request,
    session: SessionDep,
    account: RequireAccount,
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Cancel a pending or paid order with a reason (a paid one is refunded in full)."""
    access = member_access(session, account, shop_id, Scope.orders_write)
    _ = gettext_for(request)
    order = get_order(session, order_id=order_id, shop_id=access.shop_id, lock=True)
    reason = reason.strip()
    error = ""
    if not reason:
        error = _("Tell the buyer why the order is cancelled.")
    elif len(reason) > CANCEL_REASON_MAX:
        error = _("At most 300 characters.")
    if not error:
        try:
            cancel_order(
                session,
                order=order,
                by="merchant",
                reason=reason,
                provider=provider_for(request.app.state),
            )
        except TanziError as exc:
            error = _problem_message(request, exc)
    if error:
        return _refused(
            request, session, access, order_id, "cancel", {"reason": error}, {"reason": reason}
        )
    session.commit()
    flash(request, _("Order #%(id)s cancelled.") % {"id": order_id}, "success")
    return RedirectResponse(ORDER_PAGE.format(shop_id=shop_id, order_id=order_id), 303)


@router.post(ORDER_PAGE + "/pickup")
def complete_pickup(
    shop_id: int,
    order_id: int,
    request: Request,
    session: SessionDep,
    account: RequireAccount,
    code: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Complete a paid self-pickup order with the code the buyer shows."""
    access = member_access(session, account, shop_id, Scope.orders_write)
    _ = gettext_for(request)
    order = get_order(session, order_id=order_id, shop_id=access.shop_id, lock=True)
    if not code.strip():
        return _refused(
            request,
            session,
            access,
            order_id,
            "pickup",
            {"code": _("Enter the code the buyer shows.")},
            {},
        )
    try:
        pickup_service.complete_pickup(session, order=order, code=code)
    except pickup_service.WrongPickupCode as exc:
        session.commit()  # the wrong try counts
        message = _problem_message(request, exc)
        return render_order_page(
            request,
            session,
            access,
            order_id,
            errors={"pickup": {"code": message}},
            status_code=400,
        )
    except TanziError as exc:
        status = 429 if isinstance(exc, RateLimited) else 400
        return _refused(
            request,
            session,
            access,
            order_id,
            "pickup",
            {"code": _problem_message(request, exc)},
            {},
            status_code=status,
        )
    session.commit()
    flash(request, _("Order #%(id)s picked up and completed.") % {"id": order_id}, "success")
    return RedirectResponse(ORDER_PAGE.format(shop_id=shop_id, order_id=order_id), 303)


@router.post("/console/shops/{shop_id}/aftersales/{aftersale_id}/replacement")
def send_replacement(
    shop_id: int,
    aftersale_id: int,
    request: Request,
    session: SessionDep,
    account: RequireAccount,
    carrier_code: Annotated[str, Form(max_length=32)] = "",
    waybill_no: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Send the replacement parcel of an exchange whose return is on its way (completes it)."""
    access = member_access(session, account, shop_id, Scope.aftersales_write)
    _ = gettext_for(request)
    aftersale = aftersale_service.get_shop_aftersale(
        session, shop_id=access.shop_id, aftersale_id=aftersale_id, for_update=True
    )
    back = f"/console/shops/{shop_id}/aftersales#aftersale-{aftersale_id}"
    try:
        aftersale_service.send_replacement(
            session,
            aftersale=aftersale,
            carrier_code=carrier_code,
            waybill_no=waybill_no,
            carriers=shop_carriers(request, session, access.shop_id),
        )
    except TanziError as exc:
        session.rollback()
        flash(
            request,
            _("Replacement for request #%(id)s not sent: %(why)s")
            % {"id": aftersale_id, "why": _problem_message(request, exc)},
            "error",
        )
        return RedirectResponse(back, 303)
    session.commit()
    flash(
        request,
        _("Replacement parcel %(waybill)s sent; the exchange is complete.")
        % {"waybill": aftersale.replacement_waybill},
        "success",
    )
    return RedirectResponse(back, 303)
