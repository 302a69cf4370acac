"""Pickup stores and pickup codes as the API reads and returns them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from core.schemas.products import Name, UtcDatetime

#: One line of text: trimmed, not blank, no control characters.
Line = Annotated[Name, StringConstraints(strip_whitespace=True, min_length=1)]


class PickupStoreIn(BaseModel):
    """A place where buyers collect their self-pickup orders."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[Line, Field(max_length=60)]
    province_code: str = Field(
        min_length=2, max_length=2, description="GB/T 2260 province-level code, e.g. '31'"
    )
    address: Annotated[Line, Field(max_length=300)]
    hours: Annotated[Line, Field(max_length=100, examples=["Mon-Sun 09:00-21:00"])]
    phone: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=20, pattern=r"^[0-9 +-]*$")
    ] = ""


class PickupStorePublic(PickupStoreIn):
    """A stored pickup store."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    shop_id: int
    created_at: datetime
    updated_at: datetime


class PickupCodeIn(BaseModel):
    """The code the buyer shows at the store."""

    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]


class OrderPickupPublic(BaseModel):
    """Where a self-pickup order is collected; ``code`` only in the buyer's view, once
    the order is paid."""

    order_id: int
    store: PickupStorePublic
    code: str | None = None
    picked_up_at: UtcDatetime | None = None
