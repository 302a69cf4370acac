"""Shops: what the API reads and returns. Identity and bank details are masked on the way out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from core.models import Shop, ShopStatus, ShopType
from core.services.shops import (
    BANK_ACCOUNT_PATTERN,
    MAX_UNPAID_CANCEL_MINUTES,
    MIN_UNPAID_CANCEL_MINUTES,
    missing_details,
    valid_credit_code,
    valid_id_card_number,
)


def _text(max_length: int, *, min_length: int = 1, pattern: str | None = None) -> StringConstraints:
    return StringConstraints(
        strip_whitespace=True, min_length=min_length, max_length=max_length, pattern=pattern
    )


ShopName = Annotated[str, _text(60)]
PersonName = Annotated[str, _text(60)]


def _upper_valid(valid: Callable[[str], bool], what: str) -> AfterValidator:
    def check(value: str) -> str:
        value = value.strip().upper()
        if not valid(value):
            raise ValueError(f"{what} is not valid")
        return value

    return AfterValidator(check)


IdCardNumber = Annotated[
    str,
    StringConstraints(max_length=24),
    _upper_valid(
        valid_id_card_number,
        "An ID card number (17 digits, then the check digit or X, GB 11643)",
    ),
]
LicenceNumber = Annotated[
    str,
    StringConstraints(max_length=24),
    _upper_valid(
        valid_credit_code, "A unified social credit code (18 characters with its check, GB 32100)"
    ),
]
BankAccount = Annotated[str, _text(40, pattern=BANK_ACCOUNT_PATTERN)]
BankName = Annotated[str, _text(60)]


class ShopDetails(BaseModel):
    """Type-specific details. Personal shops take the ID card; business shops the rest."""

    id_card_name: PersonName | None = None
    id_card_number: IdCardNumber | None = Field(
        default=None, description="18 characters: 17 digits, then the check digit or X (GB 11643)"
    )
    licence_number: LicenceNumber | None = Field(
        default=None,
        description="The 18-character unified social credit code, check character included",
    )
    operator_name: PersonName | None = None
    settlement_account: BankAccount | None = Field(
        default=None, description="Write-only; returned masked"
    )
    settlement_bank: BankName | None = None


class ShopCreate(ShopDetails):
    """A new draft shop."""

    type: ShopType
    name: ShopName
    description: str = Field(default="", max_length=2000)


class ShopUpdate(ShopDetails):
    """A partial change to the profile and details; only the fields sent change."""

    name: ShopName | None = None
    description: str | None = Field(default=None, max_length=2000)
    unpaid_cancel_minutes: int | None = Field(
        default=None,
        ge=MIN_UNPAID_CANCEL_MINUTES,
        le=MAX_UNPAID_CANCEL_MINUTES,
        description="Minutes an order may wait for payment before it is cancelled",
    )


def mask(value: str | None, *, keep: int = 4) -> str | None:
    """``6222000012345678`` -> ``************5678``."""
    if value is None:
        return None
    if len(value) <= keep:
        return "*" * len(value)
    return "*" * (len(value) - keep) + value[-keep:]


class ShopPublic(BaseModel):
    """A shop as its members see it. ID card and bank account numbers are masked."""

    id: int
    owner_id: int
    type: ShopType
    status: ShopStatus
    name: str
    description: str
    id_card_name: str | None
    id_card_number: str | None = Field(description="Masked: only the last 4 characters")
    licence_number: str | None
    operator_name: str | None
    settlement_account: str | None = Field(description="Masked: only the last 4 digits")
    settlement_bank: str | None
    unpaid_cancel_minutes: int = Field(
        description="Minutes an order may wait for payment before it is cancelled"
    )
    missing_for_open: list[str] = Field(description="Details still needed before the shop can open")
    created_at: datetime
    opened_at: datetime | None
    suspended_at: datetime | None = Field(
        default=None, description="Set while a platform admin has suspended the shop"
    )
    suspension_reason: str = ""

    @classmethod
    def from_shop(cls, shop: Shop) -> ShopPublic:
        """Build the public view of ``shop``."""
        assert shop.id is not None
        return cls(
            id=shop.id,
            owner_id=shop.owner_id,
            type=shop.type,
            status=shop.status,
            name=shop.name,
            description=shop.description,
            id_card_name=shop.id_card_name,
            id_card_number=mask(shop.id_card_number),
            licence_number=shop.licence_number,
            operator_name=shop.operator_name,
            settlement_account=mask(shop.settlement_account),
            settlement_bank=shop.settlement_bank,
            unpaid_cancel_minutes=shop.unpaid_cancel_minutes,
            missing_for_open=missing_details(shop) if shop.status == ShopStatus.draft else [],
            created_at=shop.created_at,
            opened_at=shop.opened_at,
            suspended_at=shop.suspended_at,
            suspension_reason=shop.suspension_reason,
        )
