"""The storefront as buyers and the merchant's own web pages read it: the shop's profile,
the categories it sells in, and the web origins allowed to call it from a browser."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from core.models import ShopType

#: At most this many origins per shop: a shop has a site or two, not a directory of them.
MAX_ORIGINS = 20


class StorefrontShop(BaseModel):
    """A shop as buyers see it."""

    id: int
    name: str
    description: str
    type: ShopType
    icon_url: str | None = Field(description="The shop's icon, if it has one")
    icon_thumbnail_url: str | None = None
    selling: bool = Field(
        description="False while the platform has suspended the shop: it shows, but takes no orders"
    )
    guaranteed: bool = Field(
        default=False,
        description="Holds the transaction guarantee (交易保障) this cycle: the green 保 badge",
    )


class StorefrontCategory(BaseModel):
    """A category in which the shop has listed products (for a filter)."""

    id: int
    name: str
    products: int = Field(description="Listed products in it")


class StorefrontOrigins(BaseModel):
    """The web origins whose pages may call the shop's storefront routes from a browser.

    Each is ``scheme://host[:port]`` with the scheme ``https`` or ``http``; no path, no
    wildcard (list each site). They are stored lowercase without the scheme's default port,
    as browsers send them in ``Origin``.
    """

    model_config = ConfigDict(extra="forbid")

    origins: Annotated[list[Annotated[str, Field(max_length=300)]], Field(max_length=MAX_ORIGINS)]
