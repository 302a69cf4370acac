"""Shipping fee templates as the API reads and returns them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

#: A fee in fen: from free to 10,000 yuan.
Fee = Annotated[int, Field(ge=0, le=1_000_000)]
#: A weight step in grams: 1 g to 1,000 kg.
Grams = Annotated[int, Field(ge=1, le=1_000_000)]


class ProvinceFee(BaseModel):
    """The fees for one province, instead of the template's defaults."""

    model_config = ConfigDict(extra="forbid")

    province_code: str = Field(description="GB/T 2260 province-level code, e.g. '44'")
    first_fee_fen: Fee
    additional_fee_fen: Fee


class ShippingTemplateIn(BaseModel):
    """A template: the first ``first_weight_g`` cost ``first_fee_fen``; each further
    ``additional_weight_g`` (or part of it) costs ``additional_fee_fen``."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
    first_weight_g: Grams = 1000
    first_fee_fen: Fee
    additional_weight_g: Grams = 1000
    additional_fee_fen: Fee = 0
    province_fees: Annotated[list[ProvinceFee], Field(max_length=40)] = Field(default_factory=list)


class ShippingTemplatePublic(ShippingTemplateIn):
    """A stored template."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    shop_id: int
    created_at: datetime
    updated_at: datetime
