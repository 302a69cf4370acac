"""Price and stock rules for bulk actions: set, +/- percent or amount, round to .9.

Pure functions on fen and units, so the rule is tested on its own and a preview can show
the new price before anything is written. Percentages are exact decimals, rounded half up
to the fen once, at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

PRICE_MODES = ("set", "percent", "add")
STOCK_MODES = ("set", "add")


class RuleRefused(ValueError):
    """A rule that cannot apply (bad input, or a price or stock that would go below zero);
    ``code`` is a reason code of :mod:`plugins.batch_products.messages`."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _decimal(raw: Any) -> Decimal:
    try:
        value = Decimal(str(raw).strip().replace(",", "").rstrip("%"))
    except InvalidOperation as exc:
        raise RuleRefused("not_a_number") from exc
    if not value.is_finite():
        raise RuleRefused("not_a_number")
    return value


def round_to_9(fen: int) -> int:
    """The nearest price ending in .9 yuan (``x.90``); 0.90 at the least; a tie goes up."""
    if fen <= 90:
        return 90
    below = (fen - 90) // 100 * 100 + 90
    above = below + 100
    return below if fen - below < above - fen else above


@dataclass(frozen=True)
class PriceRule:
    """A new price from an old one: ``set`` to ``value`` yuan, ``percent`` (``value`` is
    +/- percent) or ``add`` (``value`` is +/- yuan); then, with ``round_9``, the nearest .9."""

    mode: str
    value: Decimal
    round_9: bool = False

    @classmethod
    def parse(cls, mode: str, value: Any, round_9: Any = False) -> PriceRule:
        """A rule from form input; :class:`RuleRefused` when it makes no sense."""
        if mode not in PRICE_MODES:
            raise RuleRefused("unknown_rule")
        amount = _decimal(value)
        if mode == "set" and amount < 0:
            raise RuleRefused("negative")
        if mode == "percent" and amount <= -100:
            raise RuleRefused("percent_too_low")
        if mode in ("set", "add") and amount != amount.quantize(Decimal("0.01")):
            raise RuleRefused("too_many_decimals")
        on = str(round_9).strip().lower() in ("1", "true", "on", "yes")
        return cls(mode=mode, value=amount, round_9=on)

    def apply(self, price_fen: int) -> int:
        """The new price in fen; :class:`RuleRefused` (``price_below_zero``) under zero."""
        if self.mode == "set":
            new = self.value * 100
        elif self.mode == "percent":
            new = Decimal(price_fen) * (100 + self.value) / 100
        else:
            new = Decimal(price_fen) + self.value * 100
        fen = int(new.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        if fen < 0:
            raise RuleRefused("price_below_zero")
        return round_to_9(fen) if self.round_9 else fen


@dataclass(frozen=True)
class StockRule:
    """A new stock from an old one: ``set`` to ``value`` or ``add`` ``value`` (may be
    negative)."""

    mode: str
    value: int

    @classmethod
    def parse(cls, mode: str, value: Any) -> StockRule:
        """A rule from form input; :class:`RuleRefused` when it makes no sense."""
        if mode not in STOCK_MODES:
            raise RuleRefused("unknown_rule")
        amount = _decimal(value)
        if amount != amount.to_integral_value():
            raise RuleRefused("not_a_whole_number")
        if mode == "set" and amount < 0:
            raise RuleRefused("negative")
        return cls(mode=mode, value=int(amount))

    def apply(self, stock: int) -> int:
        """The new stock; :class:`RuleRefused` (``stock_below_zero``) under zero."""
        new = self.value if self.mode == "set" else stock + self.value
        if new < 0:
            raise RuleRefused("stock_below_zero")
        return new
