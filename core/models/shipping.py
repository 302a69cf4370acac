"""Shipping fee templates: what a shop charges to ship, by weight and province."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from core.models.base import created_at_field, json_field


class ShippingTemplate(SQLModel, table=True):
    """First-weight and additional-weight fees, with per-province overrides.

    ``province_fees`` is a list of ``{"province_code", "first_fee_fen",
    "additional_fee_fen"}``; a province not listed pays the default fees.
    """

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shop.id", index=True)
    name: str = Field(max_length=60)
    first_weight_g: int
    first_fee_fen: int
    additional_weight_g: int
    additional_fee_fen: int
    province_fees: list[dict[str, Any]] = json_field()
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
