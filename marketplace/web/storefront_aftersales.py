"""The buyer page's refund requests: a buyer asks for a refund (or a return and refund) of
part or all of one of their orders, through the same service as
``POST /api/v1/me/orders/{id}/aftersales``."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from core.api.deps import ReadSessionDep, SessionDep
from core.errors import NotFound, TanziError
from core.models import AfterSaleKind
from core.services import aftersales as aftersale_svc
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAccount
from marketplace.web.storefront_orders import PAGE_KINDS, order_context, order_path
from marketplace.web.templating import flash, gettext_for, render

router = web_router(tags=["storefront pages"])


def _fen(text: str) -> int | None:
    try:
        value = Decimal(text.strip().replace("¥", "").replace(",", ""))
    except InvalidOperation:
        return None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        return None
    return int(value * 100)


@router.post("/s/{shop_id}/orders/{order_id}/aftersales")
def ask_aftersale(
    shop_id: int,
    order_id: int,
    request: Request,
    session: SessionDep,
    read_session: ReadSessionDep,
    account: RequireAccount,
    kind: Annotated[str, Form()] = "",
    amount: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Ask for a refund (or a return and refund) of part or all of the order."""
    assert account.id is not None
    _ = gettext_for(request)
    errors: dict[str, str] = {}
    fen = _fen(amount)
    if kind not in {k.value for k in PAGE_KINDS}:
        errors["kind"] = _("Choose what you ask for.")
    if fen is None or fen <= 0:
        errors["amount"] = _("Enter an amount in yuan, for example 12.50.")
    if not reason.strip() or len(reason.strip()) > 500:
        errors["reason"] = _("Say why, in at most 500 characters.")
    if not errors and fen is not None:
        try:
            order = aftersale_svc.get_buyer_order(session, buyer_id=account.id, order_id=order_id)
            if order.shop_id != shop_id:
                raise NotFound(f"Order {order_id} was not found.", code="order_not_found")
            aftersale_svc.request_aftersale(
                session,
                order=order,
                buyer_id=account.id,
                kind=AfterSaleKind(kind),
                amount_fen=fen,
                reason=reason.strip(),
            )
        except TanziError as exc:
            session.rollback()
            if exc.field == "body.amount_fen":
                available = exc.extra.get("refundable_fen")
                errors["amount"] = (
                    _("At most %(amount)s can be refunded.")
                    % {"amount": f"¥{int(available) / 100:.2f}"}
                    if available is not None
                    else _("Enter an amount in yuan, for example 12.50.")
                )
            elif exc.code in {"order_not_found", "not_found"}:
                raise
            else:
                errors["form"] = _("That did not work: %(why)s") % {"why": exc.detail}
        else:
            session.commit()
            flash(request, _("Your request is sent to the shop."), "success")
            return RedirectResponse(order_path(shop_id, order_id), status_code=303)
    context = order_context(read_session, request, shop_id, order_id, account.id)
    context.update(
        refund_form={"kind": kind, "amount": amount, "reason": reason}, refund_errors=errors
    )
    return render(request, "storefront/order.html", context, status_code=400)
