"""The console's stock adjustments: add to or take from one SKU's stock with a reason and a
note, through :func:`core.services.products.change_inventory` (which records the change
the product page's history reads back)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from core.api.deps import SessionDep
from core.errors import TanziError
from core.services import inventory
from core.services import products as svc
from marketplace.web.console_access import member_access
from marketplace.web.console_products import PRODUCT, messages
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAccount
from marketplace.web.templating import flash, gettext_for
from sdk.scopes import Scope

router = web_router(tags=["merchant console"])


@router.post(PRODUCT + "/skus/{sku_id}/inventory")
def adjust_stock_page(
    shop_id: int,
    product_id: int,
    sku_id: int,
    request: Request,
    session: SessionDep,
    account: RequireAccount,
    delta: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    """Add to or take from one SKU's stock, with a reason (and a note)."""
    member_access(session, account, shop_id, Scope.products_write)
    product = svc.get_product(session, shop_id=shop_id, product_id=product_id)
    sku = svc.get_sku(session, shop_id=shop_id, sku_id=sku_id, lock=True)
    _ = gettext_for(request)
    words = messages(request)
    url = PRODUCT.format(shop_id=shop_id, product_id=product_id) + "#stock"
    amount = delta.strip().removeprefix("+")
    if sku.product_id != product.id or not amount.lstrip("-").isdigit() or int(amount) == 0:
        flash(request, _("Enter how many units to add, or a negative number to take."), "error")
        return RedirectResponse(url, 303)
    if reason not in inventory.ADJUSTMENT_REASONS or reason == "manual":
        flash(request, _("Choose why the stock changes."), "error")
        return RedirectResponse(url, 303)
    try:
        svc.change_inventory(
            session,
            sku=sku,
            delta=int(amount),
            reason=reason,
            note=note.strip()[: inventory.NOTE_MAX] or None,
        )
    except TanziError as exc:
        session.rollback()
        flash(request, words.get(exc.code) or exc.detail, "error")
        return RedirectResponse(url, 303)
    session.commit()
    flash(
        request,
        _("Stock of %(code)s is now %(stock)s.") % {"code": sku.code, "stock": sku.stock},
        "success",
    )
    return RedirectResponse(url, 303)
