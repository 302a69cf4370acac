"""Shipments (parcels) and their tracking events: what the API reads and returns."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from core.schemas.aftersales import UtcDatetime


class TrackingStatus(StrEnum):
    """Where a parcel is. ``delivered`` on every parcel of an order delivers the order."""

    picked_up = "picked_up"
    in_transit = "in_transit"
    out_for_delivery = "out_for_delivery"
    delivered = "delivered"
    exception = "exception"


class ShipmentLineIn(BaseModel):
    """How many items of one order line go in a parcel."""

    line_id: int
    quantity: int = Field(ge=1, le=9999)


class ShipmentCreate(BaseModel):
    """A parcel for an order. ``line_ids`` empty means the parcel holds the whole order;
    ``lines`` (instead of ``line_ids``) says how many of each line's items it holds, at
    most what is not yet in another parcel."""

    carrier_code: str = Field(min_length=1, max_length=32, examples=["SF"])
    waybill_no: str = Field(min_length=1, max_length=40, examples=["SF1234567890123"])
    line_ids: list[int] = Field(default_factory=list, max_length=500)
    lines: list[ShipmentLineIn] = Field(default_factory=list, max_length=500)


class TrackingEventCreate(BaseModel):
    """One scan of a parcel; ``occurred_at`` defaults to now."""

    status: TrackingStatus
    description: str = Field(default="", max_length=300)
    location: str = Field(default="", max_length=100)
    occurred_at: datetime | None = None


class TrackingEventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    shipment_id: int
    status: str
    description: str
    location: str
    occurred_at: UtcDatetime
    recorded_at: UtcDatetime


class ShipmentPublic(BaseModel):
    """A parcel with its tracking history (oldest first)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    shop_id: int
    order_id: int
    carrier_code: str
    carrier_name: str | None = None
    waybill_no: str
    line_ids: list[int]
    quantities: dict[str, int] = Field(
        default_factory=dict,
        description="Items of a listed line in this parcel, by line id; a listed line not "
        "here is in it whole",
    )
    status: str
    created_at: UtcDatetime
    delivered_at: UtcDatetime | None
    tracking: list[TrackingEventPublic] = Field(default_factory=list)
