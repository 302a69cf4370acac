"""The merchant's settings for shipping insurance (运费险), and the premium rule."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from sdk.forms import setting_text


class InsuranceSettings(BaseModel):
    """What a policy costs and what a claim pays.

    The premium is ``premium_rate_bp`` basis points (1/10000) of the order's total, rounded
    half up to the fen, then kept between ``min_premium_fen`` and ``max_premium_fen``. A
    claim pays ``claim_amount_fen`` towards the buyer's return shipping.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    premium_rate_bp: int = Field(
        default=100,
        ge=0,
        le=1000,
        title="Premium rate",
        description="The premium, in basis points (1/10000) of the order total.",
        json_schema_extra=setting_text(
            zh_CN=("保费费率", "保费占订单总额的比例，单位为基点（万分之一）。")  # noqa: RUF001 (Chinese punctuation)
        ),
    )
    min_premium_fen: int = Field(
        default=50,
        ge=0,
        title="Lowest premium",
        description="No policy costs less than this.",
        json_schema_extra=setting_text(
            money_fen=True, zh_CN=("最低保费", "每份保单的保费不低于此金额。")
        ),
    )
    max_premium_fen: int = Field(
        default=500,
        ge=0,
        title="Highest premium",
        description="No policy costs more than this; at least the lowest premium.",
        json_schema_extra=setting_text(
            money_fen=True,
            zh_CN=("最高保费", "每份保单的保费不高于此金额，且不低于最低保费。"),  # noqa: RUF001 (Chinese punctuation)
        ),
    )
    claim_amount_fen: int = Field(
        default=1200,
        ge=0,
        le=100_000,
        title="Paid per return",
        description="What a claim pays towards the buyer's return shipping.",
        json_schema_extra=setting_text(
            money_fen=True, zh_CN=("每次退货赔付", "每次理赔为买家退货运费赔付的金额。")
        ),
    )

    @field_validator("max_premium_fen")
    @classmethod
    def _not_below_min(cls, value: int, info: ValidationInfo) -> int:
        low = info.data.get("min_premium_fen")
        if low is not None and value < low:
            raise ValueError("must be at least the lowest premium")
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
