"""The merchant's settings for shipping insurance (运费险), and the premium rule."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator


class InsuranceSettings(BaseModel):
    """What a policy costs and what a claim pays.

    The premium is ``premium_rate_bp`` basis points (1/10000) of the order's total, rounded
    half up to the fen, then kept between ``min_premium_fen`` and ``max_premium_fen``. A
    claim pays ``claim_amount_fen`` towards the buyer's return shipping.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    premium_rate_bp: int = Field(
        default=100, ge=0, le=1000, description="Premium, in basis points of the order total"
    )
    min_premium_fen: int = Field(default=50, ge=0, description="Lowest premium, in fen")
    max_premium_fen: int = Field(default=500, ge=0, description="Highest premium, in fen")
    claim_amount_fen: int = Field(
        default=1200, ge=0, le=100_000, description="Paid per return, towards its shipping"
    )

    @field_validator("max_premium_fen")
    @classmethod
    def _not_below_min(cls, value: int, info: ValidationInfo) -> int:
        low = info.data.get("min_premium_fen")
        if low is not None and value < low:
            raise ValueError(f"must be at least min_premium_fen ({low})")
        return value

    def premium_fen(self, insured_fen: int) -> int:
        """The premium for an order whose total is ``insured_fen``."""
        raw = (max(insured_fen, 0) * self.premium_rate_bp + 5_000) // 10_000
        return min(max(raw, self.min_premium_fen), self.max_premium_fen)


def coerce_settings(settings: Any) -> InsuranceSettings:
    """The hook's ``settings`` as :class:`InsuranceSettings`.

    The host passes an instance of the manifest's settings model; a host (or test) that
    passes the stored dict gets it validated here.
    """
    if isinstance(settings, InsuranceSettings):
        return settings
    if isinstance(settings, BaseModel):
        settings = settings.model_dump()
    return InsuranceSettings.model_validate(settings or {})
