"""The import formats this service registers, and how a file is opened for each.

Each format's ``rows(stream)`` reads the uploaded file as a binary stream and yields
:class:`~.drafts.ProductRow` one by one; it never holds the whole file. ``parse`` and
``detect`` are the same format as the host's :class:`~sdk.models.Importer` wants them. A file whose
header lacks a format's required columns is refused with ``no_header``.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

from plugins.store_migration import magento, prestashop, shopify, template, woocommerce
from plugins.store_migration.categories import CategoryMatcher, import_values
from plugins.store_migration.convert import to_import_row
from plugins.store_migration.drafts import ProductRow
from plugins.store_migration.images import queue_images
from plugins.store_migration.reading import (
    MAX_FILE_BYTES,
    FileRefused,
    Record,
    Table,
    csv_table,
    detect_delimiter,
    detect_encoding,
    file_kind,
    header_key,
)
from plugins.store_migration.workbook import xlsx_table
from sdk.importing import Detection, ImportOptions, ImportRow
from sdk.models import Category, Importer

CSV = ("text/csv",)
#: The plugin's route of the category mapping step the import preview links to.
MAPPING_ROUTE = "/mapping"
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

    def rows(self, stream: IO[bytes]) -> Iterator[ProductRow]:
        """The file's products, one at a time, as parsed."""
        return self.products(self.open(stream).records)

    def parse(self, stream: IO[bytes], options: ImportOptions | None = None) -> Iterator[ImportRow]:
        """The host's ``parse``: each product as an :class:`~sdk.importing.ImportRow`.

        ``options.values`` may carry ``categories`` (Tanzi's tree, as dicts),
        ``category_map`` (the merchant's path -> category id choices) and
        ``base_prices`` (handle -> fen, for PrestaShop combinations).
        """
        options = options or ImportOptions()
        matcher = matcher_from(options.values)
        base_prices = options.values.get("base_prices") or {}
        for product in self.rows(stream):
            yield to_import_row(
                product,
                language=options.language,
                matcher=matcher,
                base_price_fen=base_prices.get(product.handle),
            )

    def detect(self, head: bytes, filename: str = "") -> Detection:
        """How well the first bytes look like this format (1.0: every column it needs)."""
        if self.workbook:
            if file_kind(head) == "zip" and filename.lower().endswith(".xlsx"):
                return Detection(score=0.5, encoding="xlsx", fields=list(self.required))
            return Detection(score=0.0)
        if file_kind(head) is not None or not head:
            return Detection(score=0.0)
        try:
            encoding = detect_encoding(head)
        except FileRefused:
            return Detection(score=0.0)
        text = head.decode(encoding, errors="ignore").lstrip("\ufeff")
        first = text.split("\n", 1)[0].rstrip("\r")
        cells = next(csv.reader([first], delimiter=detect_delimiter(first)), [])
        columns = [header_key(cell) for cell in cells]
        if self.aliases:
            columns = [self.aliases.get(column, column) for column in columns]
        found = [column for column in self.required if column in columns]
        score = len(found) / len(self.required) if self.required else 0.0
        return Detection(
            score=score if len(found) == len(self.required) else score / 2,
            encoding=encoding,
            columns=[cell.strip() for cell in cells],
            fields=list(self.required),
            note=f"{len(columns)} columns",
        )

    def importer(self) -> Importer:
        """This format as the SDK's :class:`~sdk.models.Importer`."""
        return Importer(
            code=self.code,
            name=self.name,
            content_types=self.content_types,
            parse=self.parse,
            detect=self.detect,
            on_imported=queue_images,
            prepare=import_values,
            mapping_route=MAPPING_ROUTE,
        )


def matcher_from(values: Mapping[str, Any]) -> CategoryMatcher | None:
    """The category matcher an import's ``options.values`` describe, if any."""
    tree = values.get("categories")
    if tree is None:
        return None
    categories = [c if isinstance(c, Category) else Category.model_validate(c) for c in tree]
    return CategoryMatcher(categories, values.get("category_map") or {})


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
