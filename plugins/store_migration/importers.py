"""The import formats this service registers, and how a file is opened for each.

Each format's ``parse(stream)`` reads the uploaded file as a binary stream and yields
:class:`~.drafts.ProductRow` one by one; it never holds the whole file. A file whose
header lacks a format's required columns is refused with ``no_header``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

from plugins.store_migration import magento, prestashop, shopify, template, woocommerce
from plugins.store_migration.drafts import ProductRow
from plugins.store_migration.reading import MAX_FILE_BYTES, FileRefused, Record, Table, csv_table
from plugins.store_migration.workbook import xlsx_table
from sdk.models import Importer

CSV = ("text/csv",)
XLSX = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",)


@dataclass(frozen=True)
class Format:
    """One file format: how to open it, the columns it must have, how rows make products."""

    code: str
    name: str
    content_types: tuple[str, ...]
    required: tuple[str, ...]
    products: Callable[[Iterator[Record]], Iterator[ProductRow]]
    workbook: bool = False
    aliases: dict[str, str] | None = None

    def open(self, stream: IO[bytes], *, limit: int = MAX_FILE_BYTES) -> Table:
        """Open the file and check its header; rows are read as iterated."""
        opener = xlsx_table if self.workbook else csv_table
        table = opener(stream, limit=limit, aliases=self.aliases)
        missing = [column for column in self.required if column not in table.columns]
        if missing:
            raise FileRefused("no_header", ", ".join(missing))
        return table

    def parse(self, stream: IO[bytes]) -> Iterator[ProductRow]:
        """The file's products, one at a time."""
        return self.products(self.open(stream).records)

    def importer(self) -> Importer:
        """This format as the SDK's :class:`~sdk.models.Importer`."""
        return Importer(
            code=self.code, name=self.name, content_types=self.content_types, parse=self.parse
        )


FORMATS: tuple[Format, ...] = (
    Format("shopify_csv", "Shopify (CSV)", CSV, shopify.COLUMNS, shopify.products),
    Format("woocommerce_csv", "WooCommerce (CSV)", CSV, woocommerce.COLUMNS, woocommerce.products),
    Format("magento2_csv", "Magento 2 (CSV)", CSV, magento.COLUMNS, magento.products),
    Format(
        "prestashop_products_csv",
        "PrestaShop products (CSV)",
        CSV,
        prestashop.PRODUCT_COLUMNS,
        prestashop.product_rows,
    ),
    Format(
        "prestashop_combinations_csv",
        "PrestaShop combinations (CSV)",
        CSV,
        prestashop.COMBINATION_COLUMNS,
        prestashop.combination_rows,
    ),
    Format(
        "tanzi_csv", "Tanzi template (CSV)", CSV, template.COLUMNS, template.products,
        aliases=template.ALIASES,
    ),
    Format(
        "tanzi_xlsx", "Tanzi template (Excel)", XLSX, template.COLUMNS, template.products,
        workbook=True, aliases=template.ALIASES,
    ),
)  # fmt: skip
BY_CODE = {fmt.code: fmt for fmt in FORMATS}


def guess_format(columns: tuple[str, ...], *, workbook: bool = False) -> Format | None:
    """The format whose required columns the header has (the most specific first)."""
    fitting = [
        fmt
        for fmt in FORMATS
        if fmt.workbook == workbook and all(column in columns for column in fmt.required)
    ]
    return max(fitting, key=lambda fmt: len(fmt.required), default=None)
