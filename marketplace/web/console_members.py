"""The shop's members and roles page: invite by e-mail, give or change a role, remove a
member, with the shop type's member limit shown (roles are edited by
:mod:`marketplace.web.console_roles`, on the same page).

Every action goes through :mod:`core.services.members` behind the API's guard
(``members:read`` to see, ``members:write`` to change) and with the same grant rule: a member
hands out only the areas they hold. A refused action comes back on the page beside its form.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func
from sqlmodel import Session, col, select

from core.api.deps import ReadSessionDep, SessionDep, SettingsDep
from core.auth import ShopAccess
from core.errors import TanziError
from core.models import Area, Member, Role
from core.services import members as service
from core.settings import Settings
from marketplace.web.console_access import console_context, member_access
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAccount
from marketplace.web.templating import flash, gettext_for, render
from sdk.scopes import Scope

router = web_router(tags=["merchant console"])

PAGE = "/console/shops/{shop_id}/members"


def _url(shop_id: int) -> str:
    return PAGE.format(shop_id=shop_id)


def refusal_message(request: Request, exc: TanziError) -> str:
    """What to tell the person whose member or role action the kernel refused."""
    _ = gettext_for(request)
    messages = {
        "account_not_found": _(
            "No Tanzi account has this e-mail. Ask them to sign up first, then invite them."
        ),
        "member_exists": _("This person is already a member of the shop."),
        "limit_exceeded": _("This shop has as many members as its kind allows (%(n)s).")
        % {"n": exc.extra.get("maximum", "")},
        "grant_exceeds_own": _("You cannot hand out permissions you do not hold: %(areas)s.")
        % {"areas": ", ".join(area_labels(request).get(a, a) for a in exc.extra.get("areas", []))},
        "role_name_taken": _("This shop already has a role with this name."),
        "role_in_use": _("Members hold this role: give them another role first."),
        "owner_member": _("The owner holds every permission; no role applies."),
        "owner_cannot_be_removed": _("The shop's owner cannot be removed."),
        "not_found": _("It was not found; reload the page."),
    }
    if exc.code == "invalid_input" and (exc.field or "").endswith("role_id"):
        return _("Choose one of the shop's roles.")
    return messages.get(exc.code, exc.detail)


def area_labels(request: Request) -> dict[str, str]:
    """The words for each permission area of the kernel."""
    _ = gettext_for(request)
    return {
        Area.products.value: _("Products"),
        Area.orders.value: _("Orders and after-sales"),
        Area.logistics.value: _("Logistics"),
        Area.data.value: _("Shop data and qualifications"),
        Area.members.value: _("Members and roles"),
        Area.marketplace.value: _("Services"),
    }


def members_page_response(
    request: Request,
    session: Session,
    settings: Settings,
    access: ShopAccess,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    shop_id = access.shop_id
    members = list(
        session.exec(select(Member).where(Member.shop_id == shop_id).order_by(col(Member.id)))
    )
    rows = service.member_details(session, members)
    roles = list(session.exec(select(Role).where(Role.shop_id == shop_id).order_by(col(Role.id))))
    holders = dict(
        session.exec(
            select(Member.role_id, func.count())
            .where(Member.shop_id == shop_id, col(Member.role_id).is_not(None))
            .group_by(col(Member.role_id))
        ).all()
    )
    session.commit()
    can_write = access.can(Scope.members_write)
    grantable = service.grantable_areas(access)
    context = console_context(
        access,
        "members",
        rows=rows,
        roles=roles,
        holders=holders,
        count=len(members),
        limit=service.member_limit(settings, access.shop.type),
        can_write=can_write,
        areas=[a.value for a in Area],
        grantable=[a.value for a in Area if grantable is None or a.value in grantable],
        area_labels=area_labels(request),
        errors=errors or {},
        form=form or {},
    )
    return render(request, "console/members.html", context, status_code=status_code)


@router.get(PAGE)
def members_page(
    shop_id: int,
    request: Request,
    session: ReadSessionDep,
    settings: SettingsDep,
    account: RequireAccount,
) -> Response:
    """The shop's members with their roles, and the shop's roles by area."""
    access = member_access(session, account, shop_id, Scope.members_read)
    return members_page_response(request, session, settings, access)


def refused(
    request: Request,
    session: Session,
    settings: Settings,
    account: Any,
    shop_id: int,
    key: str,
    exc: TanziError,
    form: dict[str, Any] | None = None,
) -> Response:
    session.rollback()
    access = member_access(session, account, shop_id, Scope.members_write)
    return members_page_response(
        request,
        session,
        settings,
        access,
        errors={key: refusal_message(request, exc)},
        form=form,
        status_code=exc.status,
    )


def done(request: Request, session: Session, shop_id: int, message: str) -> Response:
    session.commit()
    flash(request, message, "success")
    return RedirectResponse(_url(shop_id), status_code=303)


@router.post(PAGE)
def invite_member(
    shop_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    account: RequireAccount,
    email: Annotated[str, Form()] = "",
    role_id: Annotated[str, Form()] = "",
) -> Response:
    """Add the account with this e-mail to the shop with a role."""
    access = member_access(session, account, shop_id, Scope.members_write)
    form = {"email": email.strip(), "role_id": role_id}
    _ = gettext_for(request)
    if "@" not in form["email"]:
        errors = {"invite": _("Enter the e-mail the person signed up with.")}
        return members_page_response(
            request, session, settings, access, errors=errors, form=form, status_code=400
        )
    try:
        service.add_member(
            session,
            settings=settings,
            shop=access.shop,
            email=form["email"],
            role_id=int(role_id) if role_id.isdigit() else 0,
            granter=service.grantable_areas(access),
        )
    except TanziError as exc:
        return refused(request, session, settings, account, shop_id, "invite", exc, form)
    return done(request, session, shop_id, _("%(email)s is now a member.") % {"email": email})


@router.post(PAGE + "/{member_id}/role")
def change_role(
    shop_id: int,
    member_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    account: RequireAccount,
    role_id: Annotated[str, Form()] = "",
) -> Response:
    """Give a member another role."""
    access = member_access(session, account, shop_id, Scope.members_write)
    try:
        member = service.get_member(session, shop=access.shop, member_id=member_id)
        service.change_member_role(
            session,
            shop=access.shop,
            member=member,
            role_id=int(role_id) if role_id.isdigit() else 0,
            granter=service.grantable_areas(access),
        )
    except TanziError as exc:
        key = f"member-{member_id}"
        return refused(request, session, settings, account, shop_id, key, exc)
    return done(request, session, shop_id, gettext_for(request)("The role is changed."))


@router.post(PAGE + "/{member_id}/remove")
def remove_member(
    shop_id: int,
    member_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    account: RequireAccount,
) -> Response:
    """Remove a member from the shop (never the owner)."""
    access = member_access(session, account, shop_id, Scope.members_write)
    try:
        member = service.get_member(session, shop=access.shop, member_id=member_id)
        service.remove_member(session, member=member, granter=service.grantable_areas(access))
    except TanziError as exc:
        key = f"member-{member_id}"
        return refused(request, session, settings, account, shop_id, key, exc)
    return done(request, session, shop_id, gettext_for(request)("The member is removed."))
