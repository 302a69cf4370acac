"""The console's pickup stores page: where buyers collect self-pickup orders.

Members with the logistics area see the stores; those who may change logistics add, edit
and remove them. Input is checked by the API's own model (:class:`PickupStoreIn`) and the
kernel service, so the page and ``/api/v1/shops/{id}/pickup-stores`` accept the same.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from core.api.deps import ReadSessionDep, SessionDep
from core.auth import ShopAccess
from core.errors import TanziError
from core.schemas.pickup import PickupStoreIn
from core.services import pickup as service
from core.services.regions import provinces
from marketplace.web.console_access import console_context, field_name, member_access
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAccount
from marketplace.web.templating import flash, gettext_for, render
from sdk.scopes import Scope

router = web_router(tags=["merchant console"])

STORES = "/console/shops/{shop_id}/pickup-stores"
FIELDS = ("name", "province_code", "address", "hours", "phone")


def _page(
    request: Request,
    session: Session,
    access: ShopAccess,
    *,
    form_id: str = "",
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    stores = service.list_stores(session, shop_id=access.shop_id)
    session.commit()
    return render(
        request,
        "console/pickup_stores.html",
        console_context(
            access,
            "pickup",
            stores=stores,
            provinces=provinces(),
            can_edit=access.can(Scope.logistics_write),
            form_id=form_id,
            errors=errors or {},
            typed=typed or {},
        ),
        status_code=status_code,
    )


@router.get(STORES)
def pickup_stores_page(
    shop_id: int, request: Request, session: ReadSessionDep, account: RequireAccount
) -> Response:
    """The shop's pickup stores, with the forms to add and change them."""
    access = member_access(session, account, shop_id, Scope.logistics_read)
    return _page(request, session, access)


def _messages(request: Request) -> dict[str, str]:
    _ = gettext_for(request)
    return {
        "name": _("Give the store a name (at most 60 characters)."),
        "province_code": _("Choose the province."),
        "address": _("Enter the address (at most 300 characters)."),
        "hours": _("Enter the opening hours (at most 100 characters)."),
        "phone": _("Digits, spaces, + and - only (at most 20)."),
    }


def _save(
    request: Request,
    session: Session,
    access: ShopAccess,
    typed: dict[str, str],
    store_id: int | None,
) -> Response:
    form_id = f"store-{store_id}" if store_id else "new"
    messages = _messages(request)
    try:
        data = PickupStoreIn.model_validate(typed)
        if store_id is None:
            service.create_store(session, shop_id=access.shop_id, data=data)
        else:
            store = service.get_store(session, shop_id=access.shop_id, store_id=store_id)
            service.update_store(session, store=store, data=data)
    except ValidationError as exc:
        errors = {str(e["loc"][0]): messages.get(str(e["loc"][0]), e["msg"]) for e in exc.errors()}
        session.rollback()
        return _page(
            request, session, access, form_id=form_id, errors=errors, typed=typed, status_code=400
        )
    except TanziError as exc:
        session.rollback()
        name = field_name(exc.field)
        errors = {name: messages.get(name, exc.detail)}
        return _page(
            request, session, access, form_id=form_id, errors=errors, typed=typed, status_code=400
        )
    session.commit()
    _ = gettext_for(request)
    flash(request, _("Pickup store %(name)s saved.") % {"name": data.name}, "success")
    return RedirectResponse(STORES.format(shop_id=access.shop_id), 303)


Field = Annotated[str, Form(max_length=400)]


@router.post(STORES)
def add_pickup_store(
    shop_id: int,
    request: Request,
    session: SessionDep,
    account: RequireAccount,
    name: Field = "",
    province_code: Field = "",
    address: Field = "",
    hours: Field = "",
    phone: Field = "",
) -> Response:
    """Add a pickup store."""
    access = member_access(session, account, shop_id, Scope.logistics_write)
    typed = dict(zip(FIELDS, (name, province_code, address, hours, phone), strict=True))
    return _save(request, session, access, typed, None)


@router.post(STORES + "/{store_id}")
def edit_pickup_store(
    shop_id: int,
    store_id: int,
    request: Request,
    session: SessionDep,
    account: RequireAccount,
    name: Field = "",
    province_code: Field = "",
    address: Field = "",
    hours: Field = "",
    phone: Field = "",
) -> Response:
    """Change a pickup store's details."""
    access = member_access(session, account, shop_id, Scope.logistics_write)
    typed = dict(zip(FIELDS, (name, province_code, address, hours, phone), strict=True))
    return _save(request, session, access, typed, store_id)


@router.post(STORES + "/{store_id}/delete")
def delete_pickup_store(
    shop_id: int, store_id: int, request: Request, session: SessionDep, account: RequireAccount
) -> Response:
    """Remove a store no order waits at."""
    access = member_access(session, account, shop_id, Scope.logistics_write)
    _ = gettext_for(request)
    store = service.get_store(session, shop_id=access.shop_id, store_id=store_id)
    name = store.name
    try:
        service.delete_store(session, store=store)
    except TanziError:
        session.rollback()
        flash(
            request,
            _("Orders still wait to be picked up at %(name)s; it cannot be removed yet.")
            % {"name": name},
            "error",
        )
        return RedirectResponse(STORES.format(shop_id=shop_id), 303)
    session.commit()
    flash(request, _("Pickup store %(name)s removed.") % {"name": name}, "success")
    return RedirectResponse(STORES.format(shop_id=shop_id), 303)
