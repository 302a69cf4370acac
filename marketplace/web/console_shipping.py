"""The console's shipping page: the shop's fee templates and the unpaid-order timeout.

Members with the logistics area see the templates; those who may change logistics add,
edit and delete them. Input is checked by the API's own model (:class:`ShippingTemplateIn`)
and :mod:`core.services.shipping_fees`, so the page and
``/api/v1/shops/{id}/shipping-templates`` accept the same. The timeout is the shop setting
``unpaid_cancel_minutes``, changed through :func:`core.services.shops.update_shop` with the
guard of ``PATCH /api/v1/shops/{id}`` (``shop:write``). Fees are typed in yuan.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from core.api.deps import ReadSessionDep, SessionDep
from core.auth import ShopAccess
from core.errors import TanziError
from core.models import ShippingTemplate, ShopStatus
from core.schemas.shipping import ShippingTemplateIn
from core.schemas.shops import ShopUpdate
from core.services import shipping_fees as service
from core.services import shops as shop_service
from core.services.regions import provinces
from marketplace.web.console_access import console_context, field_name, member_access
from marketplace.web.console_product_form import price_fen
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAccount
from marketplace.web.templating import flash, gettext_for, render
from sdk.scopes import Scope

router = web_router(tags=["merchant console"])

PAGE = "/console/shops/{shop_id}/shipping"
#: Blank province rows a form offers beyond the template's own.
SPARE_ROWS = 2
FEES = ("first_fee", "additional_fee")
Text = Annotated[str, Form(max_length=400)]
Texts = Annotated[list[str], Form(max_length=40)]


def _url(shop_id: int) -> str:
    return PAGE.format(shop_id=shop_id)


def _yuan(fen: int) -> str:
    return f"{fen / 100:.2f}"


def template_form(template: ShippingTemplate) -> dict[str, Any]:
    """A stored template as its edit form shows it (fees in yuan)."""
    return {
        "name": template.name,
        "first_weight_g": str(template.first_weight_g),
        "first_fee": _yuan(template.first_fee_fen),
        "additional_weight_g": str(template.additional_weight_g),
        "additional_fee": _yuan(template.additional_fee_fen),
        "rules": [
            (rule["province_code"], _yuan(rule["first_fee_fen"]), _yuan(rule["additional_fee_fen"]))
            for rule in template.province_fees
        ],
    }


def _page(
    request: Request,
    session: Session,
    access: ShopAccess,
    *,
    form_id: str = "",
    errors: dict[str, str] | None = None,
    typed: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    templates = service.list_templates(session, shop_id=access.shop_id)
    session.commit()
    return render(
        request,
        "console/shipping.html",
        console_context(
            access,
            "shipping",
            templates=templates,
            forms={t.id: template_form(t) for t in templates},
            provinces=provinces(),
            can_edit=access.can(Scope.logistics_write),
            can_set_timeout=access.can(Scope.shop_write)
            and access.shop.status != ShopStatus.closed,
            spare_rows=SPARE_ROWS,
            form_id=form_id,
            errors=errors or {},
            typed=typed or {},
        ),
        status_code=status_code,
    )


@router.get(PAGE)
def shipping_page(
    shop_id: int, request: Request, session: ReadSessionDep, account: RequireAccount
) -> Response:
    """The shop's shipping fee templates and unpaid-order timeout, with their forms."""
    access = member_access(session, account, shop_id, Scope.logistics_read)
    return _page(request, session, access)


def _messages(request: Request) -> dict[str, str]:
    _ = gettext_for(request)
    grams = _("Whole grams from 1 to 1,000,000.")
    fee = _("An amount in yuan from 0 to 10,000, at most 2 decimals.")
    return {
        "name": _("Give the template a name (at most 60 characters)."),
        "first_weight_g": grams,
        "additional_weight_g": grams,
        "first_fee": fee,
        "additional_fee": fee,
        "province_fees": fee,
        "province_code": _("Choose each province once, from the list."),
        "unpaid_cancel_minutes": _("Whole minutes from %(low)s to %(high)s."),
    }


def _body(
    typed: dict[str, Any], errors: dict[str, str], messages: dict[str, str]
) -> dict[str, Any]:
    """The API body of a posted form; what cannot be read as yuan goes into ``errors``."""
    body: dict[str, Any] = {
        "name": typed["name"],
        "first_weight_g": typed["first_weight_g"],
        "additional_weight_g": typed["additional_weight_g"],
    }
    for name in FEES:
        fen = price_fen(typed[name] or "0") if name == "additional_fee" else price_fen(typed[name])
        if fen is None:
            errors[name] = messages[name]
        body[f"{name}_fen"] = fen
    rules = []
    for code, first, additional in typed["rules"]:
        if not (code or first or additional):
            continue
        first_fen, additional_fen = price_fen(first), price_fen(additional or "0")
        if first_fen is None or additional_fen is None:
            errors["province_fees"] = messages["province_fees"]
        rules.append(
            {
                "province_code": code,
                "first_fee_fen": first_fen,
                "additional_fee_fen": additional_fen,
            }
        )
    body["province_fees"] = rules
    return body


def _error_name(loc: tuple[int | str, ...]) -> str:
    """A pydantic location -> the form field it belongs to."""
    head = str(loc[0])
    if head == "province_fees" and len(loc) >= 3 and loc[2] == "province_code":
        return "province_code"
    return head.removesuffix("_fen") if head.endswith("_fee_fen") else head


def _save(
    request: Request,
    session: Session,
    access: ShopAccess,
    typed: dict[str, Any],
    template_id: int | None,
) -> Response:
    form_id = f"template-{template_id}" if template_id else "new"
    messages = _messages(request)
    errors: dict[str, str] = {}
    body = _body(typed, errors, messages)
    try:
        if errors:
            raise ValueError
        data = ShippingTemplateIn.model_validate(body)
        if template_id is None:
            service.create_template(session, shop_id=access.shop_id, data=data)
        else:
            template = service.get_template(
                session, shop_id=access.shop_id, template_id=template_id
            )
            service.replace_template(session, template=template, data=data)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError too
        if isinstance(exc, ValidationError):
            for error in exc.errors():
                name = _error_name(error["loc"])
                errors.setdefault(name, messages.get(name, error["msg"]))
        session.rollback()
        return _page(
            request, session, access, form_id=form_id, errors=errors, typed=typed, status_code=400
        )
    except TanziError as exc:
        session.rollback()
        name = field_name(exc.field)
        return _page(
            request,
            session,
            access,
            form_id=form_id,
            errors={name: messages.get(name, exc.detail)},
            typed=typed,
            status_code=400,
        )
    session.commit()
    _ = gettext_for(request)
    flash(request, _("Shipping template %(name)s saved.") % {"name": data.name}, "success")
    return RedirectResponse(_url(access.shop_id), 303)


def _typed(
    name: str,
    first_weight_g: str,
    first_fee: str,
    additional_weight_g: str,
    additional_fee: str,
    province_code: list[str],
    province_first_fee: list[str],
    province_additional_fee: list[str],
) -> dict[str, Any]:
    rows = max(len(province_code), len(province_first_fee), len(province_additional_fee))

    def cell(values: list[str], i: int) -> str:
        return values[i].strip() if i < len(values) else ""

    return {
        "name": name,
        "first_weight_g": first_weight_g.strip(),
        "first_fee": first_fee.strip(),
        "additional_weight_g": additional_weight_g.strip(),
        "additional_fee": additional_fee.strip(),
        "rules": [
            (
                cell(province_code, i),
                cell(province_first_fee, i),
                cell(province_additional_fee, i),
            )
            for i in range(rows)
        ],
    }


@router.post(PAGE)
def add_shipping_template(
    shop_id: int,
    request: Request,
    session: SessionDep,
    account: RequireAccount,
    name: Text = "",
    first_weight_g: Text = "",
    first_fee: Text = "",
    additional_weight_g: Text = "",
    additional_fee: Text = "",
    province_code: Texts = [],  # noqa: B006 - FastAPI copies form defaults
    province_first_fee: Texts = [],  # noqa: B006
    province_additional_fee: Texts = [],  # noqa: B006
) -> Response:
    """Add a shipping fee template."""
    access = member_access(session, account, shop_id, Scope.logistics_write)
    typed = _typed(
        name,
        first_weight_g,
        first_fee,
        additional_weight_g,
        additional_fee,
        province_code,
        province_first_fee,
        province_additional_fee,
    )
    return _save(request, session, access, typed, None)


@router.post(PAGE + "/timeout")
def save_unpaid_timeout(
    shop_id: int,
    request: Request,
    session: SessionDep,
    account: RequireAccount,
    unpaid_cancel_minutes: Text = "",
) -> Response:
    """Set how many minutes an order may wait for payment before it is cancelled."""
    access = member_access(session, account, shop_id, Scope.shop_write)
    messages = _messages(request)
    try:
        changes = ShopUpdate.model_validate(
            {"unpaid_cancel_minutes": unpaid_cancel_minutes.strip()}
        ).model_dump(exclude_unset=True)
        shop_service.update_shop(session, shop=access.shop, changes=changes)
    except (ValidationError, TanziError) as exc:
        session.rollback()
        message = messages["unpaid_cancel_minutes"] % {
            "low": shop_service.MIN_UNPAID_CANCEL_MINUTES,
            "high": shop_service.MAX_UNPAID_CANCEL_MINUTES,
        }
        if isinstance(exc, TanziError) and field_name(exc.field) != "unpaid_cancel_minutes":
            message = exc.detail  # the shop itself refuses the change (closed, incomplete)
        fresh = member_access(session, account, shop_id, Scope.shop_write)
        return _page(
            request,
            session,
            fresh,
            form_id="timeout",
            errors={"unpaid_cancel_minutes": message},
            typed={"unpaid_cancel_minutes": unpaid_cancel_minutes},
            status_code=400,
        )
    session.commit()
    flash(request, gettext_for(request)("The unpaid-order timeout is saved."), "success")
    return RedirectResponse(_url(shop_id), 303)


@router.post(PAGE + "/{template_id}")
def edit_shipping_template(
    shop_id: int,
    template_id: int,
    request: Request,
    session: SessionDep,
    account: RequireAccount,
    name: Text = "",
    first_weight_g: Text = "",
    first_fee: Text = "",
    additional_weight_g: Text = "",
    additional_fee: Text = "",
    province_code: Texts = [],  # noqa: B006
    province_first_fee: Texts = [],  # noqa: B006
    province_additional_fee: Texts = [],  # noqa: B006
) -> Response:
    """Replace a shipping fee template; orders already placed keep their fee."""
    access = member_access(session, account, shop_id, Scope.logistics_write)
    typed = _typed(
        name,
        first_weight_g,
        first_fee,
        additional_weight_g,
        additional_fee,
        province_code,
        province_first_fee,
        province_additional_fee,
    )
    return _save(request, session, access, typed, template_id)


@router.post(PAGE + "/{template_id}/delete")
def delete_shipping_template(
    shop_id: int, template_id: int, request: Request, session: SessionDep, account: RequireAccount
) -> Response:
    """Delete a template no product uses."""
    access = member_access(session, account, shop_id, Scope.logistics_write)
    _ = gettext_for(request)
    template = service.get_template(session, shop_id=access.shop_id, template_id=template_id)
    name = template.name
    try:
        service.delete_template(session, template=template)
    except TanziError:
        session.rollback()
        flash(
            request,
            _("Products still use %(name)s; move them to another template first.") % {"name": name},
            "error",
        )
        return RedirectResponse(_url(shop_id), 303)
    session.commit()
    flash(request, _("Shipping template %(name)s deleted.") % {"name": name}, "success")
    return RedirectResponse(_url(shop_id), 303)
