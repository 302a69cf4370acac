"""Self pickup: a shop's pickup stores, and the pickup of one order (store and code)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from core.models.base import created_at_field, datetime_field


class PickupStore(SQLModel, table=True):
    """A place where buyers of a shop collect self-pickup orders."""

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shop.id", index=True)
    name: str = Field(max_length=60)
    province_code: str = Field(max_length=2)
    address: str = Field(max_length=300)
    hours: str = Field(max_length=100)
    phone: str = Field(default="", max_length=20)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class OrderPickup(SQLModel, table=True):
    """Where a self-pickup order is collected and the code its buyer shows there.

    The code is issued when the order is paid and shown to the buyer only; the merchant
    completes the order by entering it. ``failed_attempts`` wrong codes in a row lock the
    order's code until ``locked_until`` (the rate limit, shared by every web process).
    """

    order_id: int = Field(foreign_key="order.id", primary_key=True)
    shop_id: int = Field(foreign_key="shop.id", index=True)
    store_id: int = Field(foreign_key="pickupstore.id", index=True)
    code: str | None = Field(default=None, max_length=12)
    failed_attempts: int = 0
    locked_until: datetime | None = datetime_field()
    picked_up_at: datetime | None = datetime_field()
    created_at: datetime = created_at_field()
