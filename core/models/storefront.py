"""What a shop's storefront needs beyond its products: the web origins it answers CORS for."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from core.models.base import created_at_field


class StorefrontOrigin(SQLModel, table=True):
    """A web origin (``https://shop.example.com``) whose pages may call the shop's
    storefront API from the browser; stored normalized (lowercase, no default port)."""

    __table_args__ = (UniqueConstraint("shop_id", "origin"),)

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shop.id", index=True)
    origin: str = Field(max_length=300)
    created_at: datetime = created_at_field()
