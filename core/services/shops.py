"""Shops: drafting, per-account limits, type-specific details, opening and closing."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError

from core.auth import ShopAccess
from core.errors import InvalidInput, InvalidState, LimitExceeded, NotFound, PermissionDenied
from core.models import Account, Member, Shop, ShopStatus, ShopType
from core.models.base import utcnow
from core.settings import Settings

#: A resident ID card number: 17 digits and a check character (digit or X).
ID_CARD_PATTERN = r"^[0-9]{17}[0-9X]$"
#: A unified social credit code (统一社会信用代码): 18 characters, no I, O, Z, S or V.
CREDIT_CODE_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"
#: A bank account number: digits only.
BANK_ACCOUNT_PATTERN = r"^[0-9]{8,40}$"

#: Bounds of a shop's unpaid-order timeout (minutes): five minutes to one day.
MIN_UNPAID_CANCEL_MINUTES = 5
MAX_UNPAID_CANCEL_MINUTES = 24 * 60

PERSONAL_DETAILS: tuple[str, ...] = ("id_card_name", "id_card_number")
BUSINESS_DETAILS: tuple[str, ...] = (
    "licence_number",
    "operator_name",
    "settlement_account",
    "settlement_bank",
)


def valid_id_card_number(value: str) -> bool:
    """A resident ID card number (GB 11643): 17 digits and a check character, a real birth
    date, and the check character (digit or X) that the other 17 give.

    The region code is not looked up: a list of regions goes stale when districts change,
    and a real number must never be refused for it.
    """
    if not re.fullmatch(ID_CARD_PATTERN, value):
        return False
    try:
        ric.get_birth_date(value)
    except ValidationError:
        return False
    return ric.calc_check_digit(value) == value[-1]


def valid_credit_code(value: str) -> bool:
    """A unified social credit code (GB 32100): the pattern and its check character.

    ``stdnum.cn.uscc.validate`` would also want the first 8 characters to be digits, which
    refuses real codes whose registering department is a letter (``N``, ``Y``...), so only
    its check-character computation is used.
    """
    return bool(re.fullmatch(CREDIT_CODE_PATTERN, value)) and (
        uscc.calc_check_digit(value[:17]) == value[-1]
    )


def valid_bank_account(value: str) -> bool:
    """A bank account number: 8 to 40 digits."""
    return bool(re.fullmatch(BANK_ACCOUNT_PATTERN, value))


_CHECKS: dict[str, Callable[[str], bool]] = {
    "id_card_number": valid_id_card_number,
    "licence_number": valid_credit_code,
    "settlement_account": valid_bank_account,
}
_PROFILE_FIELDS: tuple[str, ...] = ("name", "description", "unpaid_cancel_minutes")


def is_business(shop_type: ShopType) -> bool:
    """Individual-business and enterprise shops are business shops."""
    return shop_type != ShopType.personal


def required_details(shop_type: ShopType) -> tuple[str, ...]:
    """The detail fields a shop of ``shop_type`` must fill in before it opens."""
    return BUSINESS_DETAILS if is_business(shop_type) else PERSONAL_DETAILS


def missing_details(shop: Shop) -> list[str]:
    """The required detail fields of ``shop`` that are empty or malformed, in a fixed order."""
    missing = []
    for name in required_details(shop.type):
        value = getattr(shop, name)
        if not value or (name in _CHECKS and not _CHECKS[name](value)):
            missing.append(name)
    return missing


def get_shop(session: Session, *, shop_id: int) -> Shop:
    """The shop with this id, or :class:`NotFound`."""
    shop = session.get(Shop, shop_id)
    if shop is None:
        raise NotFound(f"Shop {shop_id} was not found.")
    return shop


def shops_of_account(account_id: int) -> SelectOfScalar[Shop]:
    """A statement selecting every shop ``account_id`` is a member (or the owner) of."""
    member_of = select(Member.shop_id).where(Member.account_id == account_id)
    return select(Shop).where(Shop.id.in_(member_of))  # type: ignore[union-attr]


def _check_details(shop_type: ShopType, details: Mapping[str, Any]) -> None:
    allowed = required_details(shop_type)
    for name, value in details.items():
        if name not in PERSONAL_DETAILS + BUSINESS_DETAILS:
            raise InvalidInput(f"Unknown shop detail '{name}'.", field=f"body.{name}")
        if value is not None and name not in allowed:
            raise InvalidInput(
                f"'{name}' does not apply to {shop_type.value} shops; "
                f"they take: {', '.join(allowed)}.",
                code="field_not_for_shop_type",
                field=f"body.{name}",
            )
    malformed = [
        name
        for name, value in details.items()
        if value is not None and name in _CHECKS and not _CHECKS[name](value)
    ]
    if malformed:
        # every malformed detail at once, so a form can mark each field
        raise InvalidInput(
            f"'{malformed[0]}' is not well formed.",
            field=f"body.{malformed[0]}",
            extra={
                "errors": [
                    {"field": f"body.{name}", "message": f"'{name}' is not well formed."}
                    for name in malformed
                ]
            },
        )


def opening_checklist(shop_type: ShopType, details: Mapping[str, Any]) -> list[str]:
    """What a shop of ``shop_type`` with these ``details`` would still miss to open: the
    ``missing_fields`` of ``shop_incomplete``, for a form to show before anything is saved."""
    draft = Shop(owner_id=0, type=shop_type, name="-")
    for name in required_details(shop_type):
        value = details.get(name)
        setattr(draft, name, value if isinstance(value, str) and value else None)
    return missing_details(draft)


def create_shop(
    session: Session,
    *,
    settings: Settings,
    owner_id: int,
    type: ShopType,
    name: str,
    description: str = "",
    details: Mapping[str, Any] | None = None,
) -> Shop:
    """Draft a shop owned by ``owner_id`` and make the owner its first member.

    Enforces ``settings.max_personal_shops`` and ``settings.max_business_shops`` (individual
    and enterprise together; closed shops don't count) with :class:`LimitExceeded`.
    """
    details = {k: v for k, v in (details or {}).items() if v is not None}
    _check_details(type, details)
    # Lock the owner's row so concurrent sign-ups of shops cannot pass the limit together.
    owner = session.exec(select(Account).where(Account.id == owner_id).with_for_update()).first()
    if owner is None:
        raise NotFound(f"Account {owner_id} was not found.")
    business = is_business(type)
    kinds = [t for t in ShopType if is_business(t) == business]
    count = session.exec(
        select(func.count())
        .select_from(Shop)
        .where(
            Shop.owner_id == owner_id,
            Shop.type.in_(kinds),  # type: ignore[attr-defined]
            Shop.status != ShopStatus.closed,
        )
    ).one()
    limit, maximum = (
        ("business_shops_per_account", settings.max_business_shops)
        if business
        else ("personal_shops_per_account", settings.max_personal_shops)
    )
    if count >= maximum:
        what = "business (individual or enterprise)" if business else "personal"
        raise LimitExceeded(
            f"An account may own at most {maximum} {what} shop(s).",
            limit=limit,
            maximum=maximum,
            field="body.type",
        )
    shop = Shop(owner_id=owner_id, type=type, name=name, description=description, **details)
    session.add(shop)
    session.flush()
    assert shop.id is not None
    session.add(Member(shop_id=shop.id, account_id=owner_id, is_owner=True))
    session.flush()
    return shop


def update_shop(session: Session, *, shop: Shop, changes: Mapping[str, Any]) -> Shop:
    """Apply a partial change of profile (name, description, unpaid-order timeout) and type-specific details.

    An open shop cannot clear a detail it needs; ``None`` for a profile field is ignored.
    """
    if shop.status == ShopStatus.closed:
        raise InvalidState("A closed shop cannot be changed.", code="shop_closed")
    details = {k: v for k, v in changes.items() if k not in _PROFILE_FIELDS}
    _check_details(shop.type, details)
    for name in _PROFILE_FIELDS:
        if changes.get(name) is not None:
            setattr(shop, name, changes[name])
    for name, value in details.items():
        setattr(shop, name, value)
    if shop.status == ShopStatus.open:
        missing = missing_details(shop)
        if missing:
            raise _incomplete(missing, "An open shop must keep its details")
    session.add(shop)
    session.flush()
    return shop


def ensure_owner(access: ShopAccess) -> None:
    """Refuse unless the caller is the shop's owner in person (roles never grant this)."""
    if access.member is None or not access.member.is_owner:
        raise PermissionDenied("Only the shop's owner may do this.", code="owner_only")


def _incomplete(missing: list[str], lead: str) -> InvalidInput:
    return InvalidInput(
        f"{lead}: missing or malformed {', '.join(missing)}.",
        code="shop_incomplete",
        field=f"shop.{missing[0]}",
        extra={
            "missing_fields": missing,
            "errors": [
                {"field": f"shop.{name}", "message": f"'{name}' is missing or malformed."}
                for name in missing
            ],
        },
    )


def open_shop(session: Session, *, shop: Shop) -> Shop:
    """Open (开张) a draft shop whose required details are complete.

    :raises InvalidState: the shop is not a draft.
    :raises InvalidInput: code ``shop_incomplete``, ``missing_fields`` lists every gap.
    """
    if shop.status != ShopStatus.draft:
        raise InvalidState(
            f"Only a draft shop can open; this one is {shop.status.value}.", code="shop_not_draft"
        )
    missing = missing_details(shop)
    if missing:
        raise _incomplete(missing, "The shop cannot open yet")
    shop.status = ShopStatus.open
    shop.opened_at = utcnow()
    session.add(shop)
    session.flush()
    return shop


def close_shop(session: Session, *, shop: Shop) -> Shop:
    """Close a shop for good. It stops selling and no longer counts toward the owner's limits."""
    if shop.status == ShopStatus.closed:
        raise InvalidState("The shop is already closed.", code="shop_closed")
    shop.status = ShopStatus.closed
    session.add(shop)
    session.flush()
    return shop
