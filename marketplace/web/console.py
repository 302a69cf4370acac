"""The merchant console: a person's shops, opening a new one, and each shop's overview.

``/console`` lists the shops the signed-in person is a member of, with the form to open a
new one (personal, individual business or enterprise, each with its required details).
``/console/shops/{shop_id}`` is a shop's overview. The shop's other pages live in
``console_catalog`` (products), ``console_orders`` (orders, after-sales, shipments) and
``console_actions`` (plugins' actions on selected rows and their jobs); this router
includes them, so the app mounts the whole console with one line.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import func
from sqlmodel import Session, col, select

from core.api.deps import ReadSessionDep, SessionDep, SettingsDep
from core.auth import ShopAccess
from core.errors import InvalidInput, InvalidState, LimitExceeded, TanziError
from core.models import (
    AfterSale,
    AfterSaleStatus,
    Order,
    OrderStatus,
    Product,
    Shipment,
    Shop,
    ShopType,
)
from core.services import shops as shop_service
from core.services.order_views import orders_query
from core.services.storefront import shops_bought_from
from marketplace.web import (
    console_actions,
    console_carriers,
    console_catalog,
    console_growth,
    console_guarantee,
    console_import,
    console_members,
    console_order_actions,
    console_orders,
    console_pickup,
    console_qualifications,
    console_roles,
    console_service_jobs,
    console_shipping,
    console_shop,
    console_storefront,
    console_support,
)
from marketplace.web.console_access import console_context, field_errors, member_access
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAccount
from marketplace.web.shop_details import PostedDetails, checklist, detail_messages
from marketplace.web.templating import flash, gettext_for, render
from sdk.scopes import Scope

router = web_router(tags=["merchant console"])
router.include_router(console_catalog.router)
router.include_router(console_orders.router)
router.include_router(console_order_actions.router)
router.include_router(console_pickup.router)
router.include_router(console_shipping.router)
router.include_router(console_carriers.router)
router.include_router(console_actions.router)
router.include_router(console_storefront.router)
router.include_router(console_guarantee.router)
router.include_router(console_shop.router)
router.include_router(console_members.router)
router.include_router(console_roles.router)
router.include_router(console_qualifications.router)
router.include_router(console_import.router)
router.include_router(console_support.router)
router.include_router(console_growth.router)
router.include_router(console_service_jobs.router)

#: Every field of the new-shop form, in the order of the form.
SHOP_FIELDS: tuple[str, ...] = (
    "type",
    "name",
    "description",
    *shop_service.PERSONAL_DETAILS,
    *shop_service.BUSINESS_DETAILS,
)
NAME_MAX, DESCRIPTION_MAX = 60, 2000
_TYPES = frozenset(t.value for t in ShopType)


def _shops_page(
    request: Request,
    session: Session,
    account: Any,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    shops = list(session.exec(shop_service.shops_of_account(account.id).order_by(col(Shop.id))))
    shopped_at = shops_bought_from(session, account.id)
    session.commit()
    form = form or {"type": ShopType.personal.value}
    chosen = ShopType(form["type"]) if form.get("type") in _TYPES else ShopType.personal
    return render(
        request,
        "console/index.html",
        {
            "shops": shops,
            "shopped_at": shopped_at,
            "form": form,
            "errors": errors or {},
            "checklists": {t.value: checklist(request, t, form) for t in ShopType},
            "chosen_type": chosen.value,
            "shop_types": [t.value for t in ShopType],
            "personal_fields": shop_service.PERSONAL_DETAILS,
            "business_fields": shop_service.BUSINESS_DETAILS,
        },
        status_code=status_code,
    )


@router.get("/console")
def console_home(request: Request, session: ReadSessionDep, account: RequireAccount) -> Response:
    """The person's shops and the form to open a new one."""
    return _shops_page(request, session, account)


@router.post("/console/shops")
def new_shop(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    account: RequireAccount,
    typed: PostedDetails,
    type: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    draft: Annotated[str, Form()] = "",
) -> Response:
    """Draft the shop and open it (or keep it a draft); errors come back per field."""
    form = {
        "type": type,
        "name": name.strip(),
        "description": description.strip(),
        **typed,
        "draft": "1" if draft else "",
    }
    messages = detail_messages(request, form)
    errors: dict[str, str] = {}
    if type not in {t.value for t in ShopType}:
        errors["type"] = messages["type"]
    if not form["name"] or len(form["name"]) > NAME_MAX:
        errors["name"] = messages["name"]
    if len(form["description"]) > DESCRIPTION_MAX:
        errors["description"] = messages["description"]
    if errors:
        return _shops_page(request, session, account, form=form, errors=errors, status_code=400)
    assert account.id is not None
    shop_type = ShopType(type)
    details = {k: form[k] or None for k in shop_service.required_details(shop_type)}
    try:
        shop = shop_service.create_shop(
            session,
            settings=settings,
            owner_id=account.id,
            type=shop_type,
            name=form["name"],
            description=form["description"],
            details=details,
        )
        if not draft:
            shop_service.open_shop(session, shop=shop)
    except (InvalidInput, LimitExceeded) as exc:
        session.rollback()
        errors = field_errors(exc, messages if not isinstance(exc, LimitExceeded) else None)
        if isinstance(exc, LimitExceeded):
            _ = gettext_for(request)
            errors = {
                "type": _("An account may own at most %(n)s shops of this kind.")
                % {"n": exc.extra.get("maximum", "")}
            }
        return _shops_page(request, session, account, form=form, errors=errors, status_code=400)
    session.commit()
    _ = gettext_for(request)
    if draft:
        flash(request, _("Your shop is saved as a draft."), "success")
    else:
        flash(request, _("Your shop is open."), "success")
    return RedirectResponse(f"/console/shops/{shop.id}", status_code=303)


def _count(session: Session, statement: Any) -> int:
    return int(session.exec(select(func.count()).select_from(statement.subquery())).one())


def _overview(session: Session, access: ShopAccess) -> dict[str, Any]:
    shop_id = access.shop_id
    counts: dict[str, int] = {}
    recent: list[Order] = []
    if access.can(Scope.products_read):
        counts["products"] = _count(session, select(Product.id).where(Product.shop_id == shop_id))
    if access.can(Scope.orders_read):
        counts["to_ship"] = _count(
            session,
            select(Order.id).where(Order.shop_id == shop_id, Order.status == OrderStatus.paid),
        )
        counts["orders"] = _count(session, select(Order.id).where(Order.shop_id == shop_id))
        recent = list(
            session.exec(
                orders_query(shop_id=shop_id).order_by(col(Order.id).desc()).limit(5)
            ).all()
        )
    if access.can(Scope.aftersales_read):
        counts["aftersales"] = _count(
            session,
            select(AfterSale.id).where(
                AfterSale.shop_id == shop_id, AfterSale.status == AfterSaleStatus.requested
            ),
        )
    if access.can(Scope.logistics_read):
        counts["in_transit"] = _count(
            session,
            select(Shipment.id).where(Shipment.shop_id == shop_id, Shipment.status != "delivered"),
        )
    return {
        "counts": counts,
        "recent": recent,
        "missing": shop_service.missing_details(access.shop),
        "can_open": access.can(Scope.shop_write) and _is_owner(access),
    }


@router.get("/console/shops/{shop_id}")
def shop_overview(
    shop_id: int, request: Request, session: ReadSessionDep, account: RequireAccount
) -> Response:
    """The shop at a glance: status, counts and the latest orders."""
    access = member_access(session, account, shop_id, Scope.shop_read)
    context = console_context(access, "overview", **_overview(session, access))
    session.commit()
    return render(request, "console/overview.html", context)


@router.post("/console/shops/{shop_id}/open")
def open_draft_shop(
    shop_id: int, request: Request, session: SessionDep, account: RequireAccount
) -> Response:
    """Open a draft shop whose details are complete (members with the data permission)."""
    access = member_access(session, account, shop_id, Scope.shop_write)
    shop_service.ensure_owner(access)  # as the API: opening is the owner's
    _ = gettext_for(request)
    try:
        shop_service.open_shop(session, shop=access.shop)
    except (InvalidInput, InvalidState) as exc:
        session.rollback()
        flash(request, _("The shop cannot open yet: %(why)s") % {"why": _why(exc)}, "error")
        return RedirectResponse(f"/console/shops/{shop_id}", status_code=303)
    session.commit()
    flash(request, _("Your shop is open."), "success")
    return RedirectResponse(f"/console/shops/{shop_id}", status_code=303)


def _is_owner(access: ShopAccess) -> bool:
    return access.member is not None and access.member.is_owner


@router.post("/console/shops/checklist")
def opening_checklist(
    request: Request,
    account: RequireAccount,
    typed: PostedDetails,
    type: Annotated[str, Form()] = "",
) -> Response:
    """What the new shop still needs to open, for the form's live checklist (JSON)."""
    shop_type = ShopType(type) if type in _TYPES else ShopType.personal
    items = checklist(request, shop_type, typed)
    return JSONResponse(
        {"type": shop_type.value, "items": items, "ready": all(i["done"] for i in items)}
    )


def _why(exc: TanziError) -> str:
    missing = exc.extra.get("missing_fields")
    return ", ".join(missing) if isinstance(missing, list) else exc.detail
