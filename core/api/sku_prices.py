"""REST route: set a SKU's price and compare-at price, ``PUT /shops/{id}/skus/{sku_id}/price``
(what ``client.products.set_price`` calls over HTTP)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from core.api.deps import Access, SessionDep
from core.auth import ShopAccess
from core.schemas.products import SkuPublic, SkuUpdate
from core.services import products as svc
from sdk.batch import MAX_PRICE_FEN
from sdk.scopes import Scope

router = APIRouter(tags=["products"])

PathId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class SkuPrice(BaseModel):
    """The new price, and the struck-through "was" price when given."""

    model_config = ConfigDict(extra="forbid")

    price_fen: int = Field(ge=0, le=MAX_PRICE_FEN)
    compare_at_fen: int | None = Field(default=None, ge=0, le=MAX_PRICE_FEN)


@router.put("/shops/{shop_id}/skus/{sku_id}/price", response_model=SkuPublic)
def set_sku_price(
    access: Annotated[ShopAccess, Access(Scope.products_write)],
    session: SessionDep,
    sku_id: PathId,
    body: SkuPrice,
) -> SkuPublic:
    """Set a SKU's price (records ``product_updated``)."""
    sku = svc.get_sku(session, shop_id=access.shop_id, sku_id=sku_id, lock=True)
    product = svc.get_product(session, shop_id=access.shop_id, product_id=sku.product_id)
    if body.compare_at_fen is not None:
        sku.compare_at_fen = body.compare_at_fen
    svc.update_sku(session, product=product, sku=sku, data=SkuUpdate(price_fen=body.price_fen))
    out = SkuPublic.model_validate(sku, from_attributes=True)
    session.commit()
    return out
