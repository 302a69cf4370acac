"""What the platform-wide search answers: shops and products across every open shop, each
with whether its shop holds the transaction guarantee (which ranks it first)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from core.models import ShopType
from core.schemas.products import StorefrontProduct


class ShopHit(BaseModel):
    """A shop that matches the search."""

    id: int
    name: str
    description: str
    type: ShopType
    guaranteed: bool = Field(description="Holds the transaction guarantee (交易保障) now")


class ProductHit(BaseModel):
    """A listed product that matches the search, with its shop."""

    product: StorefrontProduct
    shop_name: str
    guaranteed: bool = Field(description="Its shop holds the transaction guarantee now")


class PlatformSearchResults(BaseModel):
    """Shops and products, certified shops first, then by how well the name matches."""

    q: str
    shops: list[ShopHit]
    products: list[ProductHit]
