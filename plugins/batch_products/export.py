"""Export the catalog (or a filtered part of it) to XLSX or CSV, streamed.

Products are read through the client a page at a time and written as they come, so the
file grows while memory stays flat. Every text cell is neutralized (:func:`sheet.neutralize`)
in both formats; the CSV is UTF-8 with a byte-order mark so Excel in Chinese opens it right.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from plugins.batch_products.sheet import headers, product_rows
from plugins.batch_products.xlsx import XlsxWriter
from sdk.client import ShopClient
from sdk.models import Product

FORMATS = ("xlsx", "csv")
#: Products read per client call.
PAGE = 200
_WIDTHS = (10, 16, 40, 10, 10, 10, 16, 24, 12, 8)


@dataclass(frozen=True)
class ExportFilter:
    """Which products to export: all by default; ``ids`` restricts to those products."""

    status: str | None = None
    category_id: int | None = None
    title_contains: str = ""
    ids: frozenset[int] | None = None

    def keeps(self, product: Product) -> bool:
        """Whether ``product`` is in the export."""
        if self.ids is not None and product.id not in self.ids:
            return False
        if self.status and product.status != self.status:
            return False
        if self.category_id is not None and product.category_id != self.category_id:
            return False
        return not (
            self.title_contains
            and self.title_contains.casefold() not in (product.title or "").casefold()
        )


def catalog(client: ShopClient, *, page: int = PAGE) -> Iterator[Product]:
    """Every product of the shop in id order, read ``page`` at a time."""
    after: int | None = None
    while True:
        batch = client.products.list(limit=page, after_id=after)
        yield from batch
        if len(batch) < page:
            return
        after = batch[-1].id


def sheet_rows(products: Iterator[Product], where: ExportFilter) -> Iterator[list[Any]]:
    """The sheet rows of the products ``where`` keeps."""
    for product in products:
        if where.keeps(product):
            yield from product_rows(product)


def write_xlsx(out: IO[bytes], rows: Iterator[list[Any]], *, lang: str) -> int:
    """Write the header and ``rows`` as an XLSX sheet to ``out``; the data rows written."""
    with XlsxWriter(out, sheet_name="商品" if lang == "zh_CN" else "Products", widths=_WIDTHS) as w:
        w.write_row(headers(lang))
        w.write_rows(rows)
        return w.rows_written - 1


def write_csv(out: IO[bytes], rows: Iterator[list[Any]], *, lang: str) -> int:
    """Write the header and ``rows`` as UTF-8 CSV (with a BOM) to ``out``; the data rows."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=False)
    try:
        writer = csv.writer(text)
        writer.writerow(headers(lang))
        count = 0
        for row in rows:
            writer.writerow(row)
            count += 1
        text.flush()
        return count
    finally:
        text.detach()


def export_catalog(
    client: ShopClient,
    out: IO[bytes],
    *,
    fmt: str = "xlsx",
    lang: str = "zh_CN",
    where: ExportFilter | None = None,
) -> int:
    """Export the shop's products ``where`` keeps to ``out`` as ``fmt``; the rows written
    (one per SKU)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    rows = sheet_rows(catalog(client), where or ExportFilter())
    if fmt == "csv":
        return write_csv(out, rows, lang=lang)
    return write_xlsx(out, rows, lang=lang)
