"""REST routes: a shop's roles and members."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response, status
from sqlmodel import Session, select

from core.api.deps import Access, PageParams, ReadSessionDep, SessionDep, SettingsDep
from core.api.pagination import Page, paginate
from core.auth import ShopAccess
from core.models import Area, Member, Role
from core.schemas.members import (
    MemberCreate,
    MemberPublic,
    MemberUpdate,
    RoleCreate,
    RolePublic,
    RoleUpdate,
)
from core.services import members as service
from sdk.scopes import Scope

router = APIRouter(tags=["members"])

ReadAccess = Annotated[ShopAccess, Access(Scope.members_read)]
WriteAccess = Annotated[ShopAccess, Access(Scope.members_write)]


def _public(session: Session, members: list[Member]) -> list[MemberPublic]:
    every_area = [a.value for a in Area]
    return [
        MemberPublic(
            id=m.id or 0,
            shop_id=m.shop_id,
            account_id=m.account_id,
            email=account.email,
            name=account.name,
            is_owner=m.is_owner,
            role_id=m.role_id,
            role_name=role.name if role else None,
            areas=every_area if m.is_owner else (list(role.areas) if role else []),
            created_at=m.created_at,
        )
        for m, account, role in service.member_details(session, members)
    ]


@router.get("/shops/{shop_id}/roles", response_model=Page[RolePublic])
def list_roles(access: ReadAccess, session: ReadSessionDep, page: PageParams) -> Page[RolePublic]:
    """The shop's roles."""
    rows, next_cursor = paginate(
        session,
        select(Role).where(Role.shop_id == access.shop_id),
        Role.id,
        cursor=page[0],
        limit=page[1],
    )
    return Page(items=[RolePublic.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.post(
    "/shops/{shop_id}/roles", status_code=status.HTTP_201_CREATED, response_model=RolePublic
)
def create_role(body: RoleCreate, access: WriteAccess, session: SessionDep) -> RolePublic:
    """Create a role. You may grant only the areas you hold yourself."""
    role = service.create_role(
        session,
        shop=access.shop,
        name=body.name,
        areas=body.areas,
        granter=service.grantable_areas(access),
    )
    session.commit()
    return RolePublic.model_validate(role)


@router.patch("/shops/{shop_id}/roles/{role_id}", response_model=RolePublic)
def update_role(
    role_id: int, body: RoleUpdate, access: WriteAccess, session: SessionDep
) -> RolePublic:
    """Rename a role or replace its areas."""
    role = service.get_role(session, shop=access.shop, role_id=role_id)
    role = service.update_role(
        session,
        role=role,
        name=body.name,
        areas=body.areas,
        granter=service.grantable_areas(access),
    )
    session.commit()
    return RolePublic.model_validate(role)


@router.delete("/shops/{shop_id}/roles/{role_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_role(role_id: int, access: WriteAccess, session: SessionDep) -> Response:
    """Delete a role no member holds."""
    role = service.get_role(session, shop=access.shop, role_id=role_id)
    service.delete_role(session, role=role, granter=service.grantable_areas(access))
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/shops/{shop_id}/members", response_model=Page[MemberPublic])
def list_members(
    access: ReadAccess, session: ReadSessionDep, page: PageParams
) -> Page[MemberPublic]:
    """The shop's members, owner included."""
    rows, next_cursor = paginate(
        session,
        select(Member).where(Member.shop_id == access.shop_id),
        Member.id,
        cursor=page[0],
        limit=page[1],
    )
    return Page(items=_public(session, rows), next_cursor=next_cursor)


@router.post(
    "/shops/{shop_id}/members", status_code=status.HTTP_201_CREATED, response_model=MemberPublic
)
def add_member(
    body: MemberCreate, access: WriteAccess, session: SessionDep, settings: SettingsDep
) -> MemberPublic:
    """Add an existing account by e-mail with a role (limit: ``members_per_shop``)."""
    member = service.add_member(
        session,
        settings=settings,
        shop=access.shop,
        email=body.email,
        role_id=body.role_id,
        granter=service.grantable_areas(access),
    )
    session.commit()
    return _public(session, [member])[0]


@router.patch("/shops/{shop_id}/members/{member_id}", response_model=MemberPublic)
def change_member_role(
    member_id: int, body: MemberUpdate, access: WriteAccess, session: SessionDep
) -> MemberPublic:
    """Give a member another role."""
    member = service.get_member(session, shop=access.shop, member_id=member_id)
    member = service.change_member_role(
        session,
        shop=access.shop,
        member=member,
        role_id=body.role_id,
        granter=service.grantable_areas(access),
    )
    session.commit()
    return _public(session, [member])[0]


@router.delete("/shops/{shop_id}/members/{member_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_member(member_id: int, access: WriteAccess, session: SessionDep) -> Response:
    """Remove a member; the owner cannot be removed."""
    member = service.get_member(session, shop=access.shop, member_id=member_id)
    service.remove_member(session, member=member, granter=service.grantable_areas(access))
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
