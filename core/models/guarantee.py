"""交易保障 (transaction guarantee): the criteria the platform sets and each shop's assessment
per 14-day cycle."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from core.models.base import created_at_field, datetime_field, json_field


class GuaranteeCriteria(SQLModel, table=True):
    """The service levels a shop must meet to be certified; one row, edited by admins.

    Percentages are whole percent (0-100). An assessment copies them, so a past cycle keeps
    the bar it was measured against.
    """

    id: int | None = Field(default=None, primary_key=True)
    min_orders: int = Field(default=10, ge=0)
    ship_within_hours: int = Field(default=48, ge=1, le=720)
    min_on_time_pct: int = Field(default=95, ge=0, le=100)
    min_answered_pct: int = Field(default=90, ge=0, le=100)
    max_lapsed: int = Field(default=2, ge=0)
    max_cancel_pct: int = Field(default=2, ge=0, le=100)
    updated_at: datetime = created_at_field()
    updated_by: int | None = Field(default=None, foreign_key="account.id")


class GuaranteeAssessment(SQLModel, table=True):
    """One shop's figures over one cycle's window and whether they earned the badge.

    ``cycle`` numbers the 14-day periods from :data:`core.services.guarantee_cycles.EPOCH`;
    the assessment of cycle *n* measures the 14 days before it starts and certifies the shop
    from ``valid_from`` until ``valid_until``. ``failed`` names the criteria not met.
    """

    __table_args__ = (UniqueConstraint("shop_id", "cycle"),)

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shop.id", index=True)
    cycle: int = Field(index=True)
    window_start: datetime = datetime_field(nullable=False)
    valid_from: datetime = datetime_field(nullable=False)
    valid_until: datetime = datetime_field(nullable=False)
    orders: int = 0
    shipments_due: int = 0
    shipped_on_time: int = 0
    aftersales_due: int = 0
    answered_in_time: int = 0
    merchant_cancelled: int = 0
    certified: bool = False
    failed: list[str] = json_field()
    criteria: dict[str, int] = json_field(dict)
    assessed_at: datetime = created_at_field()
