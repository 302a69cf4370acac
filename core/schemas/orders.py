"""Orders as buyers place them and as buyers and merchants read them."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from core.models import OrderStatus
from core.schemas.products import Id, Name, Text, UtcDatetime
from sdk.models import MAX_ORDER_NOTE

MAX_QUANTITY = 999
MAX_LINES = 50


class OrderLineCreate(BaseModel):
    """One SKU and how many of it."""

    model_config = ConfigDict(extra="forbid")

    sku_id: Id
    quantity: Annotated[int, Field(ge=1, le=MAX_QUANTITY)]


class OrderCreate(BaseModel):
    """A cart-less order: its lines and where it goes (or ``self_pickup``)."""

    model_config = ConfigDict(extra="forbid")

    lines: Annotated[list[OrderLineCreate], Field(min_length=1, max_length=MAX_LINES)]
    recipient_name: Annotated[Name, Field(min_length=1, max_length=60)]
    recipient_phone: Annotated[
        str, Field(min_length=5, max_length=20, pattern=r"^\+?[0-9][0-9 -]{3,18}[0-9]$")
    ]
    province_code: Annotated[str, Field(min_length=2, max_length=2)]
    address: Annotated[Text, Field(max_length=300)] = ""
    self_pickup: bool = False
    pickup_store_id: Id | None = Field(
        default=None,
        description="Where a self-pickup order is collected; the shop's first store if left out",
    )
    codes: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]],
        Field(max_length=5),
    ] = Field(
        default_factory=list,
        description="Coupon or promotion codes the buyer applies; the shop's services that "
        "honour codes (the order_adjustments decision) turn them into discounts",
    )


class OrderCancel(BaseModel):
    """Why the order is being cancelled (optional)."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[Text, Field(max_length=300)] = ""


class OrderNote(BaseModel):
    """The merchant's note and flag on an order; a field left out stays as it is. An
    empty ``note`` removes the note, ``flag: "none"`` the flag."""

    model_config = ConfigDict(extra="forbid")

    note: Annotated[Text, Field(max_length=MAX_ORDER_NOTE)] | None = None
    flag: Literal["red", "orange", "yellow", "green", "blue", "purple", "none"] | None = None


class OrderLinePublic(BaseModel):
    """A line of an order, priced when the order was placed."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    product_id: int
    sku_id: int
    title: str
    quantity: int
    unit_price_fen: int
    line_total_fen: int


class OrderPublic(BaseModel):
    """An order with its lines.

    ``recipient_name``, ``recipient_phone`` and ``address`` are ``None`` for callers
    without the ``orders:pii`` scope (``pii_redacted`` is then true).
    """

    id: int
    shop_id: int
    buyer_id: int
    status: OrderStatus
    currency: str
    subtotal_fen: int
    adjustments_fen: int
    shipping_fen: int = Field(
        default=0, description="Shipping fee from the products' templates, in the total"
    )
    total_fen: int
    refunded_fen: int
    self_pickup: bool
    province_code: str
    recipient_name: str | None
    recipient_phone: str | None
    address: str | None
    pii_redacted: bool
    payment_ref: str | None
    cancel_reason: str
    cancelled_by: str | None
    created_at: UtcDatetime
    paid_at: UtcDatetime | None
    shipped_at: UtcDatetime | None
    delivered_at: UtcDatetime | None
    completed_at: UtcDatetime | None
    cancelled_at: UtcDatetime | None
    lines: list[OrderLinePublic]
    merchant_note: str | None = Field(
        default=None, description="The shop's own note (merchant views only; never the buyer's)"
    )
    merchant_flag: str | None = Field(
        default=None, description="The shop's coloured flag (merchant views only)"
    )
