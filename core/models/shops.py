"""Shops, their members and roles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from core.models.base import created_at_field, datetime_field, json_field


class ShopType(StrEnum):
    personal = "personal"
    individual = "individual"  # individual business (个体工商户)
    enterprise = "enterprise"


class ShopStatus(StrEnum):
    draft = "draft"
    open = "open"
    closed = "closed"


class Area(StrEnum):
    """Permission areas a role can be granted in a shop."""

    products = "products"
    orders = "orders"  # orders and after-sales
    logistics = "logistics"
    data = "data"  # core business data: shop profile, qualifications, reports
    members = "members"
    marketplace = "marketplace"


class Shop(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="account.id", index=True)
    type: ShopType
    status: ShopStatus = ShopStatus.draft
    name: str = Field(max_length=60)
    description: str = Field(default="", max_length=2000)
    # personal shops: the owner's identity
    id_card_name: str | None = Field(default=None, max_length=60)
    id_card_number: str | None = Field(default=None, max_length=18)
    # business shops
    licence_number: str | None = Field(default=None, max_length=32)
    operator_name: str | None = Field(default=None, max_length=60)
    settlement_account: str | None = Field(default=None, max_length=40)
    settlement_bank: str | None = Field(default=None, max_length=60)
    #: Minutes an order may wait for payment before the platform cancels it (releasing stock).
    unpaid_cancel_minutes: int = 30
    plugins_version: int = 0  # bumped when installations change; invalidates cached views
    #: set while a platform admin has suspended the shop: its services and storefront stop
    suspended_at: datetime | None = datetime_field()
    suspension_reason: str = Field(default="", max_length=1000)
    created_at: datetime = created_at_field()
    opened_at: datetime | None = datetime_field()


class Role(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("shop_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shop.id", index=True)
    name: str = Field(max_length=40)
    areas: list[str] = json_field()


class Member(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("shop_id", "account_id"),)

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shop.id", index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    role_id: int | None = Field(default=None, foreign_key="role.id")
    is_owner: bool = False
    created_at: datetime = created_at_field()
