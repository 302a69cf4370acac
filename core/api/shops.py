"""REST routes: shops."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response, status
from sqlmodel import select

from core.api.deps import (
    Access,
    AdminDep,
    PageParams,
    PersonIdDep,
    PrincipalDep,
    SessionDep,
    SettingsDep,
    get_person_id,
)
from core.api.pagination import Page, paginate
from core.auth import ShopAccess, authorize_shop
from core.errors import NotFound
from core.models import Shop
from core.schemas.accounts import SuspensionChange
from core.schemas.shops import ShopCreate, ShopDetails, ShopPublic, ShopUpdate
from core.services import shops as service
from core.services import suspensions
from sdk.scopes import Scope

router = APIRouter(tags=["shops"])


@router.post("/shops", status_code=status.HTTP_201_CREATED, response_model=ShopPublic)
def create_shop(
    body: ShopCreate, owner_id: PersonIdDep, session: SessionDep, settings: SettingsDep
) -> ShopPublic:
    """Draft a shop; the caller becomes its owner. Limits: 1 personal, 3 business shops."""
    shop = service.create_shop(
        session,
        settings=settings,
        owner_id=owner_id,
        type=body.type,
        name=body.name,
        description=body.description,
        details=body.model_dump(include=set(ShopDetails.model_fields)),
    )
    session.commit()
    return ShopPublic.from_shop(shop)


@router.get("/shops", response_model=Page[ShopPublic])
def list_my_shops(
    principal: PrincipalDep, session: SessionDep, page: PageParams
) -> Page[ShopPublic]:
    """The shops the caller owns or is a member of. A service sees its installation's one
    shop, through the same guard as ``GET /shops/{id}``: without ``shop:read`` it gets 403
    ``scope_denied``."""
    if principal.scopes is not None:
        if principal.shop_id is None:
            raise NotFound("This token is not bound to a shop.")
        authorize_shop(session, principal, principal.shop_id, Scope.shop_read)
        statement = select(Shop).where(Shop.id == principal.shop_id)
    else:
        statement = service.shops_of_account(get_person_id(principal))
    rows, next_cursor = paginate(session, statement, Shop.id, cursor=page[0], limit=page[1])
    return Page(items=[ShopPublic.from_shop(s) for s in rows], next_cursor=next_cursor)


@router.get("/shops/{shop_id}", response_model=ShopPublic)
def get_shop(access: Annotated[ShopAccess, Access(Scope.shop_read)]) -> ShopPublic:
    """One shop."""
    return ShopPublic.from_shop(access.shop)


@router.patch("/shops/{shop_id}", response_model=ShopPublic)
def update_shop(
    body: ShopUpdate, access: Annotated[ShopAccess, Access(Scope.shop_write)], session: SessionDep
) -> ShopPublic:
    """Change the profile and type-specific details; only the fields sent change."""
    shop = service.update_shop(
        session, shop=access.shop, changes=body.model_dump(exclude_unset=True)
    )
    session.commit()
    return ShopPublic.from_shop(shop)


@router.post("/shops/{shop_id}/open", response_model=ShopPublic)
def open_shop(
    access: Annotated[ShopAccess, Access(Scope.shop_write)], session: SessionDep
) -> ShopPublic:
    """Open the shop (owner only). Missing details: 422 ``shop_incomplete`` listing them."""
    service.ensure_owner(access)
    shop = service.open_shop(session, shop=access.shop)
    session.commit()
    return ShopPublic.from_shop(shop)


@router.delete("/shops/{shop_id}", status_code=status.HTTP_204_NO_CONTENT)
def close_shop(
    access: Annotated[ShopAccess, Access(Scope.shop_write)], session: SessionDep
) -> Response:
    """Close the shop for good (owner only)."""
    service.ensure_owner(access)
    service.close_shop(session, shop=access.shop)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _any_shop(session: SessionDep, shop_id: int) -> Shop:
    shop = session.get(Shop, shop_id)
    if shop is None:
        raise NotFound(f"Shop {shop_id} was not found.")
    return shop


@router.post("/admin/shops/{shop_id}/suspend", response_model=ShopPublic)
def suspend_shop(
    shop_id: int, body: SuspensionChange, admin: AdminDep, session: SessionDep
) -> ShopPublic:
    """Suspend a shop (platform admins; a reason is required, audit-logged): its services'
    tokens get 403 ``shop_suspended``, its installations no events, its storefront sells
    nothing; its people may read it but not change it."""
    assert admin.account_id is not None
    shop = suspensions.suspend_shop(
        session, admin_id=admin.account_id, shop=_any_shop(session, shop_id), reason=body.reason
    )
    session.commit()
    return ShopPublic.from_shop(shop)


@router.post("/admin/shops/{shop_id}/reinstate", response_model=ShopPublic)
def reinstate_shop(
    shop_id: int, body: SuspensionChange, admin: AdminDep, session: SessionDep
) -> ShopPublic:
    """Lift a shop's suspension (platform admins; audit-logged). Events held meanwhile wait
    as dead deliveries for a replay."""
    assert admin.account_id is not None
    shop = suspensions.reinstate_shop(
        session, admin_id=admin.account_id, shop=_any_shop(session, shop_id), reason=body.reason
    )
    session.commit()
    return ShopPublic.from_shop(shop)
