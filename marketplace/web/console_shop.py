"""The shop's settings page: name, description, the type's details, the icon; open or close.

Every change goes through :mod:`core.services.shops` and :mod:`core.services.shop_icon` with
the guard the API uses (``shop:write``, the ``data`` area); opening and closing stay the
owner's, as in the API. The icon is sent by the page's script as the raw file with the
``X-CSRF-Token`` header, streamed into the file store under the size limit like the API's.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from core.api.deps import ReadSessionDep, SessionDep, SettingsDep
from core.api.files import get_file_store, receive_body
from core.api.shop_icon import store_icon
from core.auth import ShopAccess
from core.errors import InvalidInput, InvalidState, TanziError
from core.models import Account, ShopStatus
from core.services import shop_icon as icons
from core.services import shops as shop_service
from marketplace.web.console_access import console_context, field_errors, member_access
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAccount
from marketplace.web.shop_details import PostedDetails, detail_messages
from marketplace.web.templating import flash, gettext_for, render
from marketplace.web.upload_refusals import upload_refusal
from sdk.scopes import Scope

router = web_router(tags=["merchant console"])

PAGE = "/console/shops/{shop_id}/settings"
NAME_MAX, DESCRIPTION_MAX = 60, 2000


def _url(shop_id: int) -> str:
    return PAGE.format(shop_id=shop_id)


def _is_owner(access: ShopAccess) -> bool:
    return access.member is not None and access.member.is_owner


def _settings_page(
    request: Request,
    session: Session,
    access: ShopAccess,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    shop = access.shop
    icon = icons.icon_public(session, icons.current_icon(session, access.shop_id))
    session.commit()
    context: dict[str, Any] = console_context(
        access,
        "settings",
        form=form or {"name": shop.name, "description": shop.description},
        errors=errors or {},
        details=shop_service.required_details(shop.type),
        current={
            name: _masked(getattr(shop, name)) for name in shop_service.required_details(shop.type)
        },
        missing=shop_service.missing_details(shop),
        icon=icon,
        can_write=access.can(Scope.shop_write) and shop.status != ShopStatus.closed,
        is_owner=_is_owner(access),
        max_mb=request.app.state.settings.upload_max_bytes // (1024 * 1024),
    )
    return render(request, "console/shop_settings.html", context, status_code=status_code)


def _masked(value: str | None) -> str:
    """What the page shows of a saved detail: names whole, numbers by their last 4."""
    if not value:
        return ""
    if any(ch.isdigit() for ch in value) and len(value) > 4:
        return "*" * (len(value) - 4) + value[-4:]
    return value


@router.get(PAGE)
def shop_settings(
    shop_id: int, request: Request, session: ReadSessionDep, account: RequireAccount
) -> Response:
    """The shop's profile, details and icon, with the forms the member may use."""
    access = member_access(session, account, shop_id, Scope.shop_read)
    return _settings_page(request, session, access)


@router.post(PAGE)
def save_shop_settings(
    shop_id: int,
    request: Request,
    session: SessionDep,
    account: RequireAccount,
    typed: PostedDetails,
    name: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
) -> Response:
    """Change name, description and details; a detail left blank keeps its saved value."""
    access = member_access(session, account, shop_id, Scope.shop_write)
    form = {"name": name.strip(), "description": description.strip(), **typed}
    messages = detail_messages(request, form)
    errors: dict[str, str] = {}
    if not form["name"] or len(form["name"]) > NAME_MAX:
        errors["name"] = messages["name"]
    if len(form["description"]) > DESCRIPTION_MAX:
        errors["description"] = messages["description"]
    if errors:
        return _settings_page(request, session, access, form=form, errors=errors, status_code=400)
    changes: dict[str, Any] = {"name": form["name"], "description": form["description"]}
    changes |= {k: typed[k] for k in shop_service.required_details(access.shop.type) if typed[k]}
    try:
        shop_service.update_shop(session, shop=access.shop, changes=changes)
    except (InvalidInput, InvalidState) as exc:
        session.rollback()
        errors = field_errors(exc, messages)
        if isinstance(exc, InvalidState):
            errors = {"form": gettext_for(request)("A closed shop cannot be changed.")}
        fresh = member_access(session, account, shop_id, Scope.shop_write)
        return _settings_page(request, session, fresh, form=form, errors=errors, status_code=400)
    session.commit()
    flash(request, gettext_for(request)("The shop's settings are saved."), "success")
    return RedirectResponse(_url(shop_id), status_code=303)


def _check_icon_access(session: Session, account: Account, shop_id: int) -> None:
    access = member_access(session, account, shop_id, Scope.shop_write)
    if access.shop.status == ShopStatus.closed:
        raise InvalidState("A closed shop cannot be changed.", code="shop_closed")


@router.post(PAGE + "/icon")
async def upload_icon_page(
    shop_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    account: RequireAccount,
) -> Response:
    """Set the shop's icon (the body is the image, sent by the page's script)."""
    store = get_file_store(request)
    _ = gettext_for(request)
    try:
        await run_in_threadpool(_check_icon_access, session, account, shop_id)
        staged = await receive_body(request, store, settings)
        icon = await run_in_threadpool(store_icon, session, store, settings, shop_id, staged)
    except TanziError as exc:
        return upload_refusal(
            request, exc, accepted=_("Only JPEG, PNG or WebP images are accepted.")
        )
    return JSONResponse(icon.model_dump(mode="json"), status_code=201)


@router.post(PAGE + "/icon/delete")
def delete_icon_page(
    shop_id: int, request: Request, session: SessionDep, account: RequireAccount
) -> Response:
    """Remove the shop's icon."""
    member_access(session, account, shop_id, Scope.shop_write)
    icons.retire_icons(session, shop_id)
    session.commit()
    flash(request, gettext_for(request)("The icon is removed."), "success")
    return RedirectResponse(_url(shop_id), status_code=303)


@router.post(PAGE + "/close")
def close_shop_page(
    shop_id: int,
    request: Request,
    session: SessionDep,
    account: RequireAccount,
    confirm_name: Annotated[str, Form()] = "",
) -> Response:
    """Close the shop for good (the owner only, who types its name to confirm)."""
    access = member_access(session, account, shop_id, Scope.shop_write)
    shop_service.ensure_owner(access)
    _ = gettext_for(request)
    if confirm_name.strip() != access.shop.name:
        errors = {"confirm_name": _("Type the shop's name exactly to close it.")}
        return _settings_page(request, session, access, errors=errors, status_code=400)
    try:
        shop_service.close_shop(session, shop=access.shop)
    except InvalidState:
        session.rollback()
        flash(request, _("The shop is already closed."), "error")
        return RedirectResponse(_url(shop_id), status_code=303)
    session.commit()
    flash(request, _("The shop is closed."), "success")
    return RedirectResponse(_url(shop_id), status_code=303)
