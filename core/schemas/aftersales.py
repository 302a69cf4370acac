"""After-sales requests (refund only, return and refund, exchange): what the API reads and returns."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from core.models import AfterSaleKind, AfterSaleStatus


def as_utc(value: datetime) -> datetime:
    """Times from the database may come back naive (SQLite); they are always UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class AfterSaleCreate(BaseModel):
    """A buyer's request. ``amount_fen`` is required (> 0) for refunds and 0 for exchanges."""

    kind: AfterSaleKind
    amount_fen: int = Field(default=0, ge=0, description="Refund asked for, in fen")
    reason: Reason


class AfterSaleReject(BaseModel):
    """A merchant's refusal; the reason is shown to the buyer."""

    reason: Reason


class ReturnShipmentCreate(BaseModel):
    """A parcel: the one a buyer sends back for an accepted return-and-refund or exchange,
    or the replacement a merchant sends for an exchange."""

    carrier_code: str = Field(min_length=1, max_length=32)
    waybill_no: str = Field(min_length=1, max_length=40)


class AfterSalePublic(BaseModel):
    """An after-sales request as the buyer and the shop see it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    shop_id: int
    order_id: int
    buyer_id: int | None
    kind: AfterSaleKind
    status: AfterSaleStatus
    amount_fen: int
    refunded_fen: int
    reason: str
    decision_reason: str
    outcome: str | None
    auto_accepted: bool
    return_carrier_code: str | None
    return_waybill: str | None
    respond_by: UtcDatetime | None
    accepted_at: UtcDatetime | None
    return_shipped_at: UtcDatetime | None
    replacement_carrier_code: str | None = None
    replacement_waybill: str | None = None
    replacement_shipped_at: UtcDatetime | None = None
    created_at: UtcDatetime
    resolved_at: UtcDatetime | None
