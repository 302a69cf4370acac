"""Cell values as merchants' spreadsheets leave them: money, counts, codes and weights.

Excel turns a long barcode into ``3.65275E+11`` and a count into ``100.0000``, prefixes
text with an apostrophe, and shops write ``¥1,299.00``. These functions read such cells
or raise :class:`BadValue` with a reason code.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_CURRENCY = re.compile(r"[¥￥$€£\s]|CNY|RMB|USD|EUR|元")
_GRAMS_PER = {"g": 1, "kg": 1000, "lb": 453.59237, "lbs": 453.59237, "oz": 28.349523125}


class BadValue(ValueError):
    """A cell that cannot be read; ``reason`` is a code of :mod:`.messages`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def clean(text: str | None) -> str:
    """The cell without surrounding blanks and Excel's leading text apostrophe."""
    if not text:
        return ""
    text = text.strip()
    return text[1:] if text.startswith("'") else text


def _decimal(text: str, reason: str) -> Decimal:
    try:  # the common case first: a plain number
        value = Decimal(text)
    except InvalidOperation:
        pass
    else:
        if value.is_finite():
            return value
        raise BadValue(reason)
    body = _CURRENCY.sub("", text)
    if "," in body and "." in body:
        body = body.replace(",", "")  # 1,299.00
    elif "," in body and re.fullmatch(r"-?\d+,\d{1,2}", body):
        body = body.replace(",", ".")  # 12,50 (European decimal comma)
    else:
        body = body.replace(",", "")
    try:
        value = Decimal(body)
    except InvalidOperation:
        raise BadValue(reason) from None
    if not value.is_finite():
        raise BadValue(reason)
    return value


def money_fen(text: str | None) -> int | None:
    """A price in fen (hundredths), ``None`` for an empty cell; negative stays negative
    (the caller refuses it with ``negative_price``)."""
    text = clean(text)
    if not text:
        return None
    return int((_decimal(text, "bad_price") * 100).quantize(Decimal(1)))


def count(text: str | None) -> int | None:
    """A whole count (stock): ``100``, ``100.0000``, ``1e3``; ``None`` when empty."""
    text = clean(text)
    if not text:
        return None
    if text.isdigit():
        return int(text)
    value = _decimal(text, "bad_number")
    if value != value.to_integral_value():
        raise BadValue("bad_number")
    return int(value)


def code(text: str | None) -> str:
    """An identifier (SKU code, barcode) as typed, undoing what spreadsheets do to
    numbers: ``3.65275E+11`` becomes ``365275000000`` and ``6901234567892.0`` loses its
    ``.0``. Digits Excel already dropped cannot come back."""
    text = clean(text)
    if "." not in text and "e" not in text and "E" not in text:
        return text
    if re.fullmatch(r"[+-]?\d+(\.\d+)?[eE][+-]?\d+", text):
        value = Decimal(text)
        if value == value.to_integral_value():
            return str(int(value))
    if re.fullmatch(r"\d+\.0+", text):
        return text.split(".", 1)[0]
    return text


def grams(text: str | None, unit: str = "g") -> int | None:
    """A weight in grams from a value in ``unit`` (g, kg, lb/lbs, oz)."""
    text = clean(text)
    if not text:
        return None
    value = _decimal(text, "bad_number")
    factor = _GRAMS_PER.get(unit.strip().lower() or "g")
    if factor is None:
        raise BadValue("bad_number")
    return max(0, round(float(value) * factor))


def flag(text: str | None) -> bool | None:
    """A yes/no cell (1/0, TRUE/FALSE, yes/no, 是/否); ``None`` when empty."""
    text = clean(text).lower()
    if not text:
        return None
    if text in {"1", "true", "yes", "y", "是", "active"}:
        return True
    if text in {"0", "-1", "false", "no", "n", "否"}:
        return False
    return None


def split_list(text: str | None, sep: str = ",") -> list[str]:
    """The non-empty parts of a ``sep``-separated cell, stripped."""
    return [part.strip() for part in clean(text).split(sep) if part.strip()]
