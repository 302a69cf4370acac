"""REST routes: the web origins whose pages may call the shop's storefront from a browser
(the shop's data permission; see :mod:`core.services.storefront_origins`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request

from core.api.deps import Access, ReadSessionDep, SessionDep
from core.auth import ShopAccess
from core.schemas.storefront import StorefrontOrigins
from core.services import storefront_origins as service
from sdk.scopes import Scope

router = APIRouter(tags=["storefront"])

ORIGINS = "/shops/{shop_id}/storefront/origins"


def forget_cached_origins(request: Request, shop_id: int) -> None:
    """Drop this process's cached copy of the shop's origins (others expire on their own)."""
    cache = getattr(request.app.state, "storefront_origins", None)
    if cache is not None:
        cache.forget(shop_id)


@router.get(ORIGINS, response_model=StorefrontOrigins)
def get_origins(
    access: Annotated[ShopAccess, Access(Scope.shop_read)], session: ReadSessionDep
) -> StorefrontOrigins:
    """The origins the shop's storefront routes answer CORS for."""
    return StorefrontOrigins(origins=service.shop_origins(session, access.shop_id))


@router.put(ORIGINS, response_model=StorefrontOrigins)
def put_origins(
    body: StorefrontOrigins,
    request: Request,
    access: Annotated[ShopAccess, Access(Scope.shop_write)],
    session: SessionDep,
) -> StorefrontOrigins:
    """Replace the shop's origins. Each must be ``scheme://host[:port]`` (https or http, no
    path, no wildcard); they come back normalized. A bad one is a 422 naming
    ``body.origins[i]``."""
    origins = service.set_shop_origins(session, shop_id=access.shop_id, origins=body.origins)
    session.commit()
    forget_cached_origins(request, access.shop_id)
    return StorefrontOrigins(origins=origins)
