"""The batch-edit sheet: its columns, one row per SKU, and the cell values going both ways.

A product's own fields (title, status, category) repeat on each of its SKU rows; the ids
(``product_id``, ``sku_id``) are the keys the re-import matches on and are not edited.
Prices are in yuan with two decimals (a number the spreadsheet can compute with); the
kernel keeps fen. Text that a spreadsheet would run as a formula (starting with ``= + - @``,
a tab or a carriage return) is written with a leading apostrophe and read back without it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sdk.models import Product
from sdk.spreadsheet import neutralize_cell as neutralize
from sdk.spreadsheet import restore_cell


@dataclass(frozen=True)
class Column:
    """One column of the sheet: its key, its headers in each language, whether it is edited."""

    key: str
    en: str
    zh_CN: str
    editable: bool = False

    def header(self, lang: str) -> str:
        """The header in ``lang`` (``zh_CN`` or ``en``)."""
        return self.zh_CN if lang == "zh_CN" else self.en


COLUMNS: tuple[Column, ...] = (
    Column("product_id", "Product ID", "商品ID"),
    Column("external_ref", "External ref", "外部编码"),
    Column("title", "Title", "标题", editable=True),
    Column("status", "Status", "状态", editable=True),
    Column("category_id", "Category ID", "类目ID", editable=True),
    Column("sku_id", "SKU ID", "SKU ID"),
    Column("sku_code", "SKU code", "SKU编码"),
    Column("options", "Options", "规格"),
    Column("price", "Price (yuan)", "价格（元）", editable=True),  # noqa: RUF001 (Chinese punctuation)
    Column("stock", "Stock", "库存", editable=True),
)
KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS)
#: Every header either language writes, to its column key (re-import accepts both).
HEADER_KEYS: dict[str, str] = {
    **{c.en.casefold(): c.key for c in COLUMNS},
    **{c.zh_CN.casefold(): c.key for c in COLUMNS},
    **{c.key: c.key for c in COLUMNS},
}


def headers(lang: str) -> list[str]:
    """The header row in ``lang``."""
    return [c.header(lang) for c in COLUMNS]


def restore(value: str) -> str:
    """Text read back from a cell, without the apostrophe :func:`neutralize` added."""
    return str(restore_cell(value))


def yuan(price_fen: int | None) -> Decimal | None:
    """A price in fen as yuan with two decimals."""
    return None if price_fen is None else Decimal(price_fen).scaleb(-2)


def fen_from_cell(value: Any) -> int:
    """A price cell (a number or text in yuan) as fen; :class:`ValueError` when it is not a
    price with at most two decimals, or is negative."""
    if isinstance(value, bool):
        raise ValueError("not_a_number")
    text = format(value, ".6f") if isinstance(value, float) else str(value).strip()
    text = text.replace(",", "").removeprefix("¥").removeprefix("￥").strip()
    try:
        amount = Decimal(text) * 100
    except InvalidOperation as exc:
        raise ValueError("not_a_number") from exc
    if not amount.is_finite():
        raise ValueError("not_a_number")
    whole = amount.to_integral_value()
    if abs(amount - whole) > Decimal("0.0001"):
        raise ValueError("too_many_decimals")
    if whole < 0:
        raise ValueError("negative")
    return int(whole)


def int_from_cell(value: Any) -> int:
    """A whole-number cell (stock, a category id) as an int; :class:`ValueError` otherwise."""
    if isinstance(value, bool):
        raise ValueError("not_a_whole_number")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("not_a_whole_number")
        return int(value)
    text = str(value).strip().replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError("not_a_whole_number") from exc
    if not number.is_finite() or number != number.to_integral_value():
        raise ValueError("not_a_whole_number")
    return int(number)


def options_text(options: dict[str, str]) -> str:
    """A SKU's options as ``key=value; key=value``."""
    return "; ".join(f"{k}={v}" for k, v in options.items())


def product_rows(product: Product) -> Iterator[list[Any]]:
    """The sheet rows of one product, one per SKU (neutralized), in :data:`COLUMNS` order."""
    common = (
        product.id,
        neutralize(product.external_ref or ""),
        neutralize(product.title or ""),
        product.status or "",
        product.category_id if product.category_id is not None else "",
    )
    for sku in product.skus:
        price = yuan(sku.price_fen)
        yield [
            *common,
            sku.id,
            neutralize(sku.code or ""),
            neutralize(options_text(sku.options)),
            price if price is not None else "",
            sku.stock if sku.stock is not None else "",
        ]
