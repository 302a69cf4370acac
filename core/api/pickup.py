"""REST routes: self pickup. A shop's pickup stores (logistics scopes), completing a
self-pickup order with its code (orders scopes), and the buyer's view of where to collect
an order and the code to show there."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from core.api.deps import Access, PersonIdDep, ReadSessionDep, SessionDep
from core.auth import ShopAccess
from core.errors import NotFound
from core.models import Shop, ShopStatus
from core.schemas.orders import OrderPublic
from core.schemas.pickup import OrderPickupPublic, PickupCodeIn, PickupStoreIn, PickupStorePublic
from core.services import order_views as views
from core.services import pickup as service
from sdk.scopes import Scope

router = APIRouter(tags=["self pickup"])

ReadStores = Annotated[ShopAccess, Access(Scope.logistics_read)]
WriteStores = Annotated[ShopAccess, Access(Scope.logistics_write)]
ReadOrders = Annotated[ShopAccess, Access(Scope.orders_read)]
WriteOrders = Annotated[ShopAccess, Access(Scope.orders_write)]
PathId = Annotated[int, Path(ge=1, le=2**31 - 1)]
STORES = "/shops/{shop_id}/pickup-stores"


@router.get(STORES, response_model=list[PickupStorePublic])
def list_stores(access: ReadStores, session: ReadSessionDep) -> list[PickupStorePublic]:
    """The shop's pickup stores, oldest first."""
    return [service.store_public(s) for s in service.list_stores(session, shop_id=access.shop_id)]


@router.post(STORES, status_code=status.HTTP_201_CREATED, response_model=PickupStorePublic)
def create_store(
    body: PickupStoreIn, access: WriteStores, session: SessionDep
) -> PickupStorePublic:
    """Add a pickup store (name, address, opening hours)."""
    store = service.create_store(session, shop_id=access.shop_id, data=body)
    session.commit()
    return service.store_public(store)


@router.get(STORES + "/{store_id}", response_model=PickupStorePublic)
def get_store(store_id: PathId, access: ReadStores, session: ReadSessionDep) -> PickupStorePublic:
    """One pickup store."""
    return service.store_public(
        service.get_store(session, shop_id=access.shop_id, store_id=store_id)
    )


@router.put(STORES + "/{store_id}", response_model=PickupStorePublic)
def replace_store(
    store_id: PathId, body: PickupStoreIn, access: WriteStores, session: SessionDep
) -> PickupStorePublic:
    """Replace a store's details."""
    store = service.get_store(session, shop_id=access.shop_id, store_id=store_id)
    service.update_store(session, store=store, data=body)
    session.commit()
    return service.store_public(store)


@router.delete(STORES + "/{store_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_store(store_id: PathId, access: WriteStores, session: SessionDep) -> Response:
    """Remove a store no order waits at (409 ``pickup_store_in_use`` otherwise)."""
    store = service.get_store(session, shop_id=access.shop_id, store_id=store_id)
    service.delete_store(session, store=store)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/shops/{shop_id}/orders/{order_id}/pickup", response_model=OrderPickupPublic)
def get_order_pickup(
    order_id: PathId, access: ReadOrders, session: ReadSessionDep
) -> OrderPickupPublic:
    """Where a self-pickup order is collected (never its code: the buyer shows it)."""
    order = views.get_order(session, order_id=order_id, shop_id=access.shop_id)
    found = service.order_pickup_public(session, order=order, include_code=False)
    if found is None:
        raise NotFound(f"Order {order_id} is not a self-pickup order.", code="not_self_pickup")
    return found


@router.post("/shops/{shop_id}/orders/{order_id}/pickup", response_model=OrderPublic)
def complete_pickup(
    order_id: PathId, body: PickupCodeIn, access: WriteOrders, session: SessionDep
) -> OrderPublic:
    """The buyer collected the order: enter the code they show to complete it.

    A wrong code is 422 ``wrong_pickup_code`` (``errors[].field`` ``body.code``, with
    ``attempts_left``); five in a row lock the order's code for 15 minutes (429).
    """
    order = views.get_order(session, order_id=order_id, shop_id=access.shop_id, lock=True)
    try:
        service.complete_pickup(session, order=order, code=body.code)
    except service.WrongPickupCode:
        session.commit()  # the wrong try counts; nothing else changed
        raise
    out = views.order_public(
        session, order, include_pii=access.can(Scope.orders_pii), for_merchant=True
    )
    session.commit()
    return out


# -- the buyer's side ----------------------------------------------------------------------


@router.get("/me/orders/{order_id}/pickup", response_model=OrderPickupPublic)
def my_order_pickup(
    order_id: PathId, buyer_id: PersonIdDep, session: ReadSessionDep
) -> OrderPickupPublic:
    """Where to collect my self-pickup order, and (once paid) the code to show there."""
    order = views.get_order(session, order_id=order_id, buyer_id=buyer_id)
    found = service.order_pickup_public(session, order=order, include_code=True)
    if found is None:
        raise NotFound(f"Order {order_id} is not a self-pickup order.", code="not_self_pickup")
    return found


@router.get("/storefront/shops/{shop_id}/pickup-stores", response_model=list[PickupStorePublic])
def storefront_stores(shop_id: PathId, session: ReadSessionDep) -> list[PickupStorePublic]:
    """An open shop's pickup stores, to choose one for a self-pickup order (no token)."""
    shop = session.get(Shop, shop_id)
    if shop is None or shop.status != ShopStatus.open or shop.suspended_at is not None:
        raise NotFound(f"Shop {shop_id} was not found.")
    return [service.store_public(s) for s in service.list_stores(session, shop_id=shop_id)]
