"""Carrier accounts a shop binds (物流账号绑定) and the e-waybills issued on them.

The account number and secret are stored sealed (:class:`core.crypto.SecretBox`); only a
masked account number is kept in the clear. Unbinding sets ``status`` to ``unbound`` and
keeps the row, so waybills issued on it stay readable.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from core.models.base import created_at_field, datetime_field, json_field


class CarrierAccount(SQLModel, table=True):
    """One bound account with a carrier; ``secret_sealed``/``account_no_sealed`` encrypted."""

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shop.id", index=True)
    carrier_code: str = Field(max_length=32)
    account_no_masked: str = Field(max_length=80)
    account_no_sealed: str = Field(max_length=1000)
    secret_sealed: str = Field(max_length=2000)
    branch: str = Field(default="", max_length=80)
    sender: dict[str, Any] = json_field(dict)
    status: str = Field(default="active", max_length=16)
    created_at: datetime = created_at_field()
    unbound_at: datetime | None = datetime_field()


class Waybill(SQLModel, table=True):
    """A waybill number issued for an order on a bound account.

    ``active_key`` is ``"<account>:<order>"`` while issued and ``None`` once cancelled; it
    is unique, so an order holds at most one live number per account even under races.
    ``request_key`` is the idempotency key the carrier saw.
    """

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shop.id", index=True)
    account_id: int = Field(foreign_key="carrieraccount.id", index=True)
    order_id: int = Field(foreign_key="order.id", index=True)
    carrier_code: str = Field(max_length=32)
    waybill_no: str = Field(max_length=40)
    routing_code: str = Field(default="", max_length=40)
    sort_code: str = Field(default="", max_length=40)
    destination: str = Field(default="", max_length=80)
    status: str = Field(default="issued", max_length=16)
    request_key: str = Field(max_length=120)
    active_key: str | None = Field(default=None, max_length=60, unique=True)
    created_at: datetime = created_at_field()
    cancelled_at: datetime | None = datetime_field()
