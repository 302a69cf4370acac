"""A coupon's terms: what it takes off, from what spend, when, how many, and for whom.

A coupon is kept as the record ``coupons/<code>``; :class:`Coupon` is its shape and
:func:`coupon_from_form` reads the merchant's form into one, with a message per bad field.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field

#: A coupon code as buyers type it (stored upper-case).
CODE = re.compile(r"^[A-Z0-9_-]{3,20}$")
#: Letters of generated codes: no 0/O or 1/I to misread.
CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
#: The most of one coupon a merchant may issue, and a buyer may hold.
MAX_QUANTITY = 1_000_000
MAX_PER_BUYER = 100
#: The largest fixed discount, in fen (100,000 yuan).
MAX_AMOUNT_FEN = 10_000_000


class Coupon(BaseModel):
    """One coupon's terms. ``kind`` ``fixed`` takes ``amount_fen`` off; ``percent`` takes
    ``percent_off`` per cent of the subtotal. Valid from ``starts_at`` (inclusive) to
    ``ends_at`` (exclusive), UTC."""

    code: str
    title: str = Field(max_length=60)
    kind: Literal["fixed", "percent"]
    amount_fen: int = Field(default=0, ge=0, le=MAX_AMOUNT_FEN)
    percent_off: int = Field(default=0, ge=0, le=99)
    min_spend_fen: int = Field(default=0, ge=0, le=MAX_AMOUNT_FEN * 10)
    starts_at: datetime
    ends_at: datetime
    per_buyer_limit: int = Field(default=1, ge=1, le=MAX_PER_BUYER)
    total_quantity: int = Field(ge=1, le=MAX_QUANTITY)

    def live_at(self, now: datetime) -> bool:
        """Whether the coupon may be claimed and used at ``now``."""
        return self.starts_at <= now < self.ends_at

    def discount_fen(self, subtotal_fen: int) -> int:
        """What it takes off a subtotal: nothing under the threshold, never more than the
        subtotal itself."""
        if subtotal_fen < self.min_spend_fen or subtotal_fen <= 0:
            return 0
        off = self.amount_fen if self.kind == "fixed" else subtotal_fen * self.percent_off // 100
        return max(0, min(off, subtotal_fen))


def normalize_code(text: str) -> str:
    """A code as typed, trimmed and upper-cased."""
    return text.strip().upper()


def new_code() -> str:
    """A fresh random code of 8 unambiguous letters and digits."""
    return "".join(secrets.choice(CODE_LETTERS) for _ in range(8))


def _yuan_to_fen(text: str) -> int:
    value = float(text.strip() or "0")
    if value < 0 or value != value:
        raise ValueError
    return round(value * 100)


def _day(text: str, default: date) -> datetime:
    day = date.fromisoformat(text.strip()) if text.strip() else default
    return datetime.combine(day, time.min, tzinfo=UTC)


def coupon_from_form(params: dict[str, Any], now: datetime) -> tuple[Coupon | None, dict[str, str]]:
    """The coupon the merchant's form describes, or the problems per field (English keys of
    :data:`plugins.coupons.words.WORDS`)."""
    errors: dict[str, str] = {}
    text = {k: str(v) for k, v in params.items()}
    code = normalize_code(text.get("code", "")) or new_code()
    if not CODE.match(code):
        errors["code"] = "bad_code"
    title = text.get("title", "").strip()
    if not title or len(title) > 60:
        errors["title"] = "bad_title"
    kind = text.get("kind", "fixed")
    if kind not in ("fixed", "percent"):
        errors["kind"] = "bad_kind"
    amount_fen = percent_off = min_spend_fen = 0
    try:
        if kind == "percent":
            percent_off = int(text.get("value", ""))
            if not 1 <= percent_off <= 99:
                raise ValueError
        else:
            amount_fen = _yuan_to_fen(text.get("value", ""))
            if not 1 <= amount_fen <= MAX_AMOUNT_FEN:
                raise ValueError
    except ValueError:
        errors["value"] = "bad_value"
    try:
        min_spend_fen = _yuan_to_fen(text.get("min_spend", ""))
    except ValueError:
        errors["min_spend"] = "bad_min_spend"
    try:
        starts_at = _day(text.get("starts_on", ""), now.date())
        ends_at = _day(text.get("ends_on", ""), now.date() + timedelta(days=7)) + timedelta(days=1)
        if ends_at <= starts_at:
            raise ValueError
    except ValueError:
        errors["ends_on"] = "bad_window"
        starts_at = ends_at = now
    numbers: dict[str, int] = {}
    for name, default, top in (
        ("per_buyer_limit", 1, MAX_PER_BUYER),
        ("quantity", 0, MAX_QUANTITY),
    ):
        try:
            numbers[name] = int(text.get(name, "").strip() or default)
            if not 1 <= numbers[name] <= top:
                raise ValueError
        except ValueError:
            errors[name] = f"bad_{name}"
    if errors:
        return None, errors
    return (
        Coupon(
            code=code,
            title=title,
            kind=kind,
            amount_fen=amount_fen,
            percent_off=percent_off,
            min_spend_fen=min_spend_fen,
            starts_at=starts_at,
            ends_at=ends_at,
            per_buyer_limit=numbers["per_buyer_limit"],
            total_quantity=numbers["quantity"],
        ),
        {},
    )
