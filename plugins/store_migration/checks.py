"""The checks every product passes whatever its format, before it is imported.

Each failed check adds a :class:`~.drafts.RowProblem` (so the row is reported and
skipped); the checks never stop at the first problem, so the report lists them all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from plugins.store_migration.drafts import ProductRow, SkuRow
from plugins.store_migration.values import BadValue

#: Tanzi's column limits (core.models.catalog).
MAX_TITLE = 120
MAX_HANDLE = 120
MAX_CODE = 64
MAX_DESCRIPTION = 20_000
T = TypeVar("T")
_SLUG = re.compile(r"[^0-9A-Za-z\u4e00-\u9fff]+")


def read_cell(
    product: ProductRow, row: int, column: str, value: str, read: Callable[[str], T]
) -> T | None:
    """``read(value)``, or ``None`` with a problem added when the cell is unreadable."""
    try:
        return read(value)
    except BadValue as exc:
        product.refuse(row, column, value, exc.reason)
        return None


def sku_code(handle: str, options: dict[str, str]) -> str:
    """A stable code for a SKU the file gave none: the handle and its option values, so
    importing the same file again finds the same SKU."""
    parts = [handle, *options.values()] if options else [handle]
    code = "-".join(_SLUG.sub("-", part).strip("-") for part in parts if part)
    return code[:MAX_CODE] or "default"


def check_product(product: ProductRow, *, price_column: str = "price") -> ProductRow:
    """Add a problem for a missing handle or title, no SKU, a missing or negative price,
    a negative stock, two SKUs with one code, or a value longer than Tanzi keeps."""
    row = product.row
    if not product.handle:
        product.refuse(row, "handle", "", "missing_handle")
    elif len(product.handle) > MAX_HANDLE:
        product.refuse(row, "handle", product.handle[:40], "too_long")
    if product.partial:
        _check_skus(product, product.skus, price_column, need_price=False)
        return product
    if not product.title.strip():
        product.refuse(row, "title", "", "missing_title")
    elif len(product.title) > MAX_TITLE:
        product.refuse(row, "title", product.title[:40], "too_long")
    if len(product.description) > MAX_DESCRIPTION:
        product.refuse(row, "description", product.description[:40], "too_long")
    if not product.skus and not product.problems:
        product.refuse(row, "sku", "", "no_variants")
    _check_skus(product, product.skus, price_column, need_price=True)
    return product


def _check_skus(
    product: ProductRow, skus: list[SkuRow], price_column: str, *, need_price: bool
) -> None:
    seen: set[str] = set()
    row = product.row
    for sku in skus:
        if need_price and sku.price_fen is None:
            product.refuse(row, price_column, "", "missing_price")
        elif sku.price_fen is not None and sku.price_fen < 0:
            product.refuse(row, price_column, f"{sku.price_fen / 100:.2f}", "negative_price")
        if sku.compare_at_fen is not None and sku.compare_at_fen < 0:
            product.refuse(
                row, "compare_at_price", f"{sku.compare_at_fen / 100:.2f}", "negative_price"
            )
        if sku.stock is not None and sku.stock < 0:
            product.refuse(row, "stock", str(sku.stock), "negative_stock")
        if len(sku.code) > MAX_CODE:
            product.refuse(row, "sku", sku.code[:40], "too_long")
        if sku.code in seen:
            product.refuse(row, "sku", sku.code, "duplicate_sku")
        seen.add(sku.code)
