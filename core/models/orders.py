"""Orders, after-sales and shipments."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from core.models.base import created_at_field, datetime_field, json_field


class OrderStatus(StrEnum):
    pending_payment = "pending_payment"
    paid = "paid"
    shipped = "shipped"
    delivered = "delivered"
    completed = "completed"
    cancelled = "cancelled"


class Order(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("shop_id", "buyer_id", "idempotency_key"),)

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shop.id", index=True)
    buyer_id: int = Field(foreign_key="account.id", index=True)
    idempotency_key: str = Field(max_length=100)
    request_hash: str = Field(max_length=64)
    status: OrderStatus = OrderStatus.pending_payment
    currency: str = Field(default="CNY", max_length=3)
    subtotal_fen: int = 0
    adjustments_fen: int = 0
    shipping_fen: int = 0
    total_fen: int = 0
    refunded_fen: int = 0
    self_pickup: bool = False
    recipient_name: str = Field(max_length=60)
    recipient_phone: str = Field(max_length=20)
    province_code: str = Field(max_length=2)
    address: str = Field(max_length=300)
    payment_ref: str | None = Field(default=None, max_length=64)
    created_at: datetime = created_at_field()
    paid_at: datetime | None = datetime_field()
    shipped_at: datetime | None = datetime_field()
    delivered_at: datetime | None = datetime_field()
    completed_at: datetime | None = datetime_field()
    cancelled_at: datetime | None = datetime_field()
    cancel_reason: str = Field(default="", max_length=300)
    # who cancelled (buyer/merchant/system) and whether reserved stock went back, so it is
    # released exactly once
    cancelled_by: str | None = Field(default=None, max_length=20)
    stock_released: bool = False
    # the merchant's own note and coloured flag (never shown to the buyer)
    merchant_note: str = Field(default="", max_length=500)
    merchant_flag: str | None = Field(default=None, max_length=10)


class OrderLine(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="order.id", index=True)
    product_id: int = Field(foreign_key="product.id")
    sku_id: int = Field(foreign_key="sku.id")
    title: str = Field(max_length=200)
    quantity: int = Field(gt=0)
    unit_price_fen: int = Field(ge=0)


class PaymentAttemptStatus(StrEnum):
    pending = "pending"
    succeeded = "succeeded"
    failed = "failed"


class PaymentAttempt(SQLModel, table=True):
    """One try at charging an order, recorded (and committed) before the provider is called.

    Its ``idempotency_key`` goes to the provider, so a retry after a crash between the
    charge and the commit reuses the pending attempt and is not charged twice.
    """

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="order.id", index=True)
    idempotency_key: str = Field(max_length=100, unique=True)
    provider: str = Field(max_length=40)
    amount_fen: int = Field(ge=0)
    currency: str = Field(default="CNY", max_length=3)
    status: PaymentAttemptStatus = PaymentAttemptStatus.pending
    payment_ref: str | None = Field(default=None, max_length=64)
    error: str = Field(default="", max_length=300)
    created_at: datetime = created_at_field()
    finished_at: datetime | None = datetime_field()


class AfterSaleKind(StrEnum):
    refund_only = "refund_only"
    return_and_refund = "return_and_refund"
    exchange = "exchange"


class AfterSaleStatus(StrEnum):
    requested = "requested"
    accepted = "accepted"
    rejected = "rejected"
    completed = "completed"
    cancelled = "cancelled"


class AfterSale(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shop.id", index=True)
    order_id: int = Field(foreign_key="order.id", index=True)
    kind: AfterSaleKind
    status: AfterSaleStatus = AfterSaleStatus.requested
    amount_fen: int = Field(default=0, ge=0)
    reason: str = Field(max_length=500)
    decision_reason: str = Field(default="", max_length=500)
    return_waybill: str | None = Field(default=None, max_length=40)
    respond_by: datetime | None = datetime_field()
    created_at: datetime = created_at_field()
    resolved_at: datetime | None = datetime_field()
    buyer_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    refunded_fen: int = Field(default=0, ge=0)  # what was actually refunded on completion
    outcome: str | None = Field(default=None, max_length=20)  # refunded/exchanged/rejected
    return_carrier_code: str | None = Field(default=None, max_length=32)
    return_shipped_at: datetime | None = datetime_field()
    accepted_at: datetime | None = datetime_field()
    auto_accepted: bool = False  # accepted by the platform because the merchant was silent
    # an exchange's replacement parcel, sent by the merchant once the return is on its way
    replacement_carrier_code: str | None = Field(default=None, max_length=32)
    replacement_waybill: str | None = Field(default=None, max_length=40)
    replacement_shipped_at: datetime | None = datetime_field()


class Shipment(SQLModel, table=True):
    """A parcel sent for an order; an order may have several."""

    __table_args__ = (UniqueConstraint("carrier_code", "waybill_no"),)

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shop.id", index=True)
    order_id: int = Field(foreign_key="order.id", index=True)
    carrier_code: str = Field(max_length=32)
    waybill_no: str = Field(max_length=40)
    line_ids: list[int] = json_field()  # empty = the whole order
    # how many of a listed line's items are in this parcel ({"line id": n}); a listed line
    # not in here is in it whole
    quantities: dict[str, int] = json_field(dict)
    status: str = Field(default="in_transit", max_length=20)
    created_at: datetime = created_at_field()
    delivered_at: datetime | None = datetime_field()


class TrackingEvent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    shipment_id: int = Field(foreign_key="shipment.id", index=True)
    status: str = Field(max_length=20)
    description: str = Field(default="", max_length=300)
    location: str = Field(default="", max_length=100)
    occurred_at: datetime = created_at_field()
    recorded_at: datetime = created_at_field()
