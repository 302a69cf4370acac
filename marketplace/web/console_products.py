"""The console's product pages: create and edit a product with its SKU matrix, list and
delist it; the edit page also shows the stock and its history (adjustments are in
``console_stock``).

Everything goes through :mod:`core.services.products` and :mod:`core.services.inventory`
with the member's access checked by the same guard as the API (``products:write`` to
change anything); the services' problems come back beside the field they name.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select
from starlette.datastructures import FormData

from core.api.deps import DecisionsDep, ReadSessionDep, SessionDep
from core.api.products import validate_with_services
from core.auth import ShopAccess
from core.errors import TanziError
from core.models import Category, Condition, Product, Qualification, QualificationStatus
from core.services import inventory
from core.services import products as svc
from core.services.categories import QUALIFICATION_KINDS
from core.services.product_images import images_by_product
from core.services.regions import provinces
from core.services.shipping_fees import list_templates
from marketplace.web import console_product_form as pf
from marketplace.web.console_access import console_context, member_access
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAccount
from marketplace.web.templating import flash, gettext_for, render
from sdk.scopes import Scope

router = web_router(tags=["merchant console"])

LIST = "/console/shops/{shop_id}/products"
PRODUCT = LIST + "/{product_id}"


async def posted_form(request: Request) -> FormData:
    """The posted form (already read, and CSRF-checked, by the router)."""
    return await request.form()


PostedForm = Annotated[FormData, Depends(posted_form)]


def messages(request: Request) -> dict[str, str]:
    """What to tell the merchant about each field, and about the services' refusals by code."""
    _ = gettext_for(request)
    return {
        "title": _("Give the product a title (at most 120 characters)."),
        "description": _("At most 20000 characters."),
        "category_id": _("Choose a category."),
        "weight_g": _("The weight of one unit in grams: a whole number up to 1000000."),
        "options": _("Give each option a name and at least one value."),
        "skus": _("Tick at least one row to sell."),
        "too_many_rows": _("At most 100 combinations of option values."),
        "price": _("A price in yuan, such as 12.50."),
        "price_fen": _("A price in yuan, such as 12.50."),
        "stock": _("A whole number of units, from 0 to 10000000."),
        "code": _("A code of 1 to 64 characters, different on each row."),
        "duplicate_sku_code": _("A code of 1 to 64 characters, different on each row."),
        "category_not_allowed": _("This shop may not sell in that category."),
        "qualification_required": _(
            "This category needs a qualification the shop does not have yet."
        ),
        "condition_not_allowed": _("Only personal shops may sell second-hand goods."),
        "unknown_province": _("Choose provinces from the list."),
        "shipping_template_id": _("Choose one of the shop's shipping fee templates."),
        "sku_has_orders": _(
            "A row you removed has orders; it is kept. Set its stock to 0 instead."
        ),
        "negative_stock": _("Stock cannot fall below zero."),
        "stock_too_large": _("Stock cannot pass 10000000."),
    }


def categories_for(session: Session, access: ShopAccess) -> list[dict[str, Any]]:
    """Every category in tree order, with its depth, the licences it needs, and whether
    this shop lacks something to sell in it (shown; the service refuses on save)."""
    rows = list(session.exec(select(Category).order_by(col(Category.id))).all())
    held = set(
        session.exec(
            select(Qualification.kind).where(
                Qualification.shop_id == access.shop_id,
                Qualification.status == QualificationStatus.approved,
            )
        ).all()
    )
    children: dict[int | None, list[Category]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    out: list[dict[str, Any]] = []

    def walk(parent: int | None, depth: int) -> None:
        for row in children.get(parent, []):
            needs = list(row.qualifications)
            type_ok = not row.shop_types or access.shop.type.value in row.shop_types
            out.append(
                {
                    "id": row.id,
                    "name": row.name,
                    "depth": depth,
                    "needs": [QUALIFICATION_KINDS.get(k, k) for k in needs],
                    "blocked": not type_ok or bool(set(needs) - held),
                    "type_ok": type_ok,
                }
            )
            walk(row.id, depth + 1)

    walk(None, 0)
    return out


def _form_page(
    request: Request,
    session: Session,
    access: ShopAccess,
    form: pf.ProductForm,
    *,
    product: Product | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    extra: dict[str, Any] = {}
    if product is not None and product.id is not None:
        sku_ids = [row.sku_id for row in form.rows if row.sku_id is not None]
        extra = {
            "images": images_by_product(session, [product.id])[product.id],
            "skus": svc.skus_by_product(session, [product.id])[product.id],
            "history": inventory.inventory_history(
                session, shop_id=access.shop_id, sku_ids=sku_ids, limit=20
            ),
            "reasons": [r for r in inventory.ADJUSTMENT_REASONS if r != "manual"],
        }
    context = console_context(
        access,
        "products",
        form=form,
        product=product,
        errors=errors or {},
        categories=categories_for(session, access),
        conditions=[c.value for c in svc.CONDITIONS_BY_SHOP_TYPE[access.shop.type]],
        all_conditions=[c.value for c in Condition],
        provinces=provinces(),
        templates=list_templates(session, shop_id=access.shop_id),
        can_write=access.can(Scope.products_write),
        max_options=pf.MAX_OPTIONS,
        **extra,
    )
    session.commit()
    return render(request, "console/product_form.html", context, status_code=status_code)


@router.get(LIST + "/new")
def new_product_page(
    shop_id: int, request: Request, session: ReadSessionDep, account: RequireAccount
) -> Response:
    """The empty product form (two blank options and one row to start)."""
    access = member_access(session, account, shop_id, Scope.products_write)
    form = pf.ProductForm(options=[("", []), ("", [])], rows=pf.matrix([], []))
    return _form_page(request, session, access, form)


@router.post(LIST + "/new")
def create_product_page(
    shop_id: int,
    request: Request,
    session: SessionDep,
    decisions: DecisionsDep,
    account: RequireAccount,
    posted: PostedForm,
) -> Response:
    """Build the rows again ("Build rows") or save the new product as a draft."""
    access = member_access(session, account, shop_id, Scope.products_write)
    form = pf.read_form(posted)
    if posted.get("op") == "build":
        return _form_page(request, session, access, form)
    words = messages(request)
    try:
        product = svc.create_product(session, shop=access.shop, data=pf.to_create(form, words))
        validate_with_services(session, decisions, shop_id, svc.product_public(session, product))
    except pf.FormInvalid as exc:
        session.rollback()
        return _form_page(request, session, access, form, errors=exc.errors, status_code=400)
    except TanziError as exc:
        session.rollback()
        errors = pf.kernel_errors(exc, words, form)
        return _form_page(request, session, access, form, errors=errors, status_code=400)
    session.commit()
    _ = gettext_for(request)
    flash(request, _("Product saved as a draft. Add its images."), "success")
    return RedirectResponse(PRODUCT.format(shop_id=shop_id, product_id=product.id), 303)


@router.get(PRODUCT)
def edit_product_page(
    shop_id: int,
    product_id: int,
    request: Request,
    session: ReadSessionDep,
    account: RequireAccount,
) -> Response:
    """A product's form, images, stock adjustments and their history."""
    access = member_access(session, account, shop_id, Scope.products_read)
    product = svc.get_product(session, shop_id=shop_id, product_id=product_id)
    skus = svc.skus_by_product(session, [product_id])[product_id]
    return _form_page(request, session, access, pf.product_form(product, skus), product=product)


@router.post(PRODUCT)
def update_product_page(
    shop_id: int,
    product_id: int,
    request: Request,
    session: SessionDep,
    decisions: DecisionsDep,
    account: RequireAccount,
    posted: PostedForm,
) -> Response:
    """Build the rows again, or save the product's fields and its SKU rows."""
    access = member_access(session, account, shop_id, Scope.products_write)
    product = svc.get_product(session, shop_id=shop_id, product_id=product_id, lock=True)
    form = pf.read_form(posted)
    if posted.get("op") == "build":
        return _form_page(request, session, access, form, product=product)
    words = messages(request)
    try:
        update, rows = pf.to_update(form, words)
        svc.update_product(session, shop=access.shop, product=product, data=update)
        svc.set_skus(session, product=product, rows=rows)
        validate_with_services(session, decisions, shop_id, svc.product_public(session, product))
    except pf.FormInvalid as exc:
        session.rollback()
        product = svc.get_product(session, shop_id=shop_id, product_id=product_id)
        return _form_page(
            request, session, access, form, product=product, errors=exc.errors, status_code=400
        )
    except TanziError as exc:
        session.rollback()
        product = svc.get_product(session, shop_id=shop_id, product_id=product_id)
        errors = pf.kernel_errors(exc, words, form)
        return _form_page(
            request, session, access, form, product=product, errors=errors, status_code=400
        )
    session.commit()
    _ = gettext_for(request)
    flash(request, _("Product saved."), "success")
    return RedirectResponse(PRODUCT.format(shop_id=shop_id, product_id=product_id), 303)


def _back(shop_id: int, product_id: int, back: str) -> str:
    """Where a list/delist/adjust form returns: the list (with its filters) or the product."""
    if back.startswith(LIST.format(shop_id=shop_id)) and "//" not in back:
        return back
    return PRODUCT.format(shop_id=shop_id, product_id=product_id)


def _set_listed(
    request: Request, session: Session, account: Any, ids: tuple[int, int], listed: bool, back: str
) -> Response:
    shop_id, product_id = ids
    access = member_access(session, account, shop_id, Scope.products_write)
    product = svc.get_product(session, shop_id=shop_id, product_id=product_id, lock=True)
    _ = gettext_for(request)
    try:
        svc.set_product_listed(session, shop=access.shop, product=product, listed=listed)
    except TanziError as exc:
        session.rollback()
        why = {
            "shop_not_open": _("Open the shop before listing products."),
            "no_skus": _("A product needs at least one SKU to be listed."),
        }.get(exc.code) or pf.kernel_errors(exc, messages(request)).popitem()[1]
        flash(request, _("Not listed: %(why)s") % {"why": why}, "error")
        return RedirectResponse(_back(shop_id, product_id, back), 303)
    session.commit()
    flash(request, _("Listed.") if listed else _("Delisted."), "success")
    return RedirectResponse(_back(shop_id, product_id, back), 303)


@router.post(PRODUCT + "/list")
def list_product_page(
    shop_id: int,
    product_id: int,
    request: Request,
    session: SessionDep,
    account: RequireAccount,
    back: Annotated[str, Form()] = "",
) -> Response:
    """Put a product on sale (the shop must be open); back to the list or the product."""
    return _set_listed(request, session, account, (shop_id, product_id), True, back)


@router.post(PRODUCT + "/delist")
def delist_product_page(
    shop_id: int,
    product_id: int,
    request: Request,
    session: SessionDep,
    account: RequireAccount,
    back: Annotated[str, Form()] = "",
) -> Response:
    """Take a product off sale; back to the list or the product."""
    return _set_listed(request, session, account, (shop_id, product_id), False, back)
