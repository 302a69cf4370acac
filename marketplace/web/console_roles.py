"""Roles on the members page: create, rename, change the areas of and delete a role.

Through :mod:`core.services.members` behind the API's guard (``members:write``) and its
grant rule: a member hands out only the areas they hold. A refused change comes back on
the members page beside its form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import Response
from sqlmodel import Session

from core.api.deps import SessionDep, SettingsDep
from core.auth import ShopAccess
from core.errors import TanziError
from core.models import Area
from core.services import members as service
from core.settings import Settings
from marketplace.web.console_access import member_access
from marketplace.web.console_members import done, members_page_response, refused
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAccount
from marketplace.web.templating import gettext_for
from sdk.scopes import Scope

router = web_router(tags=["merchant console"])

ROLES = "/console/shops/{shop_id}/roles"
NAME_MAX = 40


@dataclass(frozen=True)
class RoleForm:
    """A role as posted: its trimmed name and the kernel's areas ticked."""

    name: str
    areas: list[str]

    @property
    def name_ok(self) -> bool:
        return 0 < len(self.name) <= NAME_MAX

    @property
    def values(self) -> dict[str, Any]:
        return {"role_name": self.name, "role_areas": self.areas}


def role_form(
    name: Annotated[str, Form()] = "", areas: Annotated[list[str] | None, Form()] = None
) -> RoleForm:
    """The posted role form (unknown areas dropped)."""
    known = {a.value for a in Area}
    return RoleForm(name.strip(), [a for a in areas or [] if a in known])


PostedRole = Annotated[RoleForm, Depends(role_form)]


def _unnamed(
    request: Request,
    session: Session,
    settings: Settings,
    access: ShopAccess,
    key: str,
    role: RoleForm,
) -> Response:
    errors = {key: gettext_for(request)("Give the role a name (at most 40 characters).")}
    return members_page_response(
        request, session, settings, access, errors=errors, form=role.values, status_code=400
    )


@router.post(ROLES)
def create_role(
    shop_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    account: RequireAccount,
    role: PostedRole,
) -> Response:
    """Create a role with the areas ticked."""
    access = member_access(session, account, shop_id, Scope.members_write)
    if not role.name_ok:
        return _unnamed(request, session, settings, access, "role-new", role)
    try:
        service.create_role(
            session,
            shop=access.shop,
            name=role.name,
            areas=role.areas,
            granter=service.grantable_areas(access),
        )
    except TanziError as exc:
        return refused(request, session, settings, account, shop_id, "role-new", exc, role.values)
    created = gettext_for(request)("The role %(name)s is created.") % {"name": role.name}
    return done(request, session, shop_id, created)


@router.post(ROLES + "/{role_id}")
def update_role(
    shop_id: int,
    role_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    account: RequireAccount,
    role: PostedRole,
) -> Response:
    """Rename a role and replace its areas."""
    access = member_access(session, account, shop_id, Scope.members_write)
    key = f"role-{role_id}"
    if not role.name_ok:
        return _unnamed(request, session, settings, access, key, role)
    try:
        saved = service.get_role(session, shop=access.shop, role_id=role_id)
        service.update_role(
            session,
            role=saved,
            name=role.name,
            areas=role.areas,
            granter=service.grantable_areas(access),
        )
    except TanziError as exc:
        return refused(request, session, settings, account, shop_id, key, exc)
    return done(request, session, shop_id, gettext_for(request)("The role is saved."))


@router.post(ROLES + "/{role_id}/delete")
def delete_role(
    shop_id: int,
    role_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    account: RequireAccount,
) -> Response:
    """Delete a role no member holds."""
    access = member_access(session, account, shop_id, Scope.members_write)
    try:
        role = service.get_role(session, shop=access.shop, role_id=role_id)
        service.delete_role(session, role=role, granter=service.grantable_areas(access))
    except TanziError as exc:
        key = f"role-{role_id}"
        return refused(request, session, settings, account, shop_id, key, exc)
    return done(request, session, shop_id, gettext_for(request)("The role is deleted."))
