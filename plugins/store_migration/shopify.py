"""Shopify's product CSV: one row per variant or extra image, a product's rows sharing a
``Handle`` one after another (Shopify's help centre, "Using CSV files to import and export
products").

The first row of a handle carries the product (Title, Body (HTML), Vendor, Product
Category or Type, Tags, Published, Status, the option names); each row with a variant
(an option value, a Variant SKU or a Variant Price) adds a SKU; a row with only an
``Image Src`` adds an image. Only the current handle's rows are held.
"""

from __future__ import annotations

from collections.abc import Iterator

from plugins.store_migration import values
from plugins.store_migration.checks import check_product, read_cell, sku_code
from plugins.store_migration.drafts import ProductRow, SkuRow
from plugins.store_migration.reading import Record

COLUMNS = ("handle", "title", "variant price")
_STATUS = {"active": "listed", "draft": "draft", "archived": "delisted"}


def _status(record: Record) -> str:
    status = record.get("status").strip().lower()
    if status in _STATUS:
        return _STATUS[status]
    published = values.flag(record.get("published"))
    return "delisted" if published is False else "listed"


def _start(record: Record) -> ProductRow:
    category = record.get("product category") or record.get("type")
    return ProductRow(
        row=record.row,
        handle=values.clean(record.get("handle")),
        title=record.get("title").strip(),
        description=record.get("body (html)").strip(),
        status=_status(record),
        category=values.clean(category),
        vendor=record.get("vendor").strip(),
        tags=tuple(values.split_list(record.get("tags"))),
    )


def _has_variant(record: Record) -> bool:
    return any(
        values.clean(record.get(column))
        for column in ("option1 value", "variant sku", "variant price")
    )


def _add_variant(product: ProductRow, record: Record, option_names: list[str]) -> None:
    options: dict[str, str] = {}
    for index, name in enumerate(option_names, start=1):
        value = values.clean(record.get(f"option{index} value"))
        if name and value and not (name == "Title" and value == "Default Title"):
            options[name] = value
    row = record.row
    code = values.code(record.get("variant sku")) or sku_code(product.handle, options)
    unit = record.get("variant weight unit") or "g"
    grams_text = record.get("variant grams")
    sku = SkuRow(
        code=code,
        options=options,
        price_fen=read_cell(
            product, row, "Variant Price", record.get("variant price"), values.money_fen
        ),
        compare_at_fen=read_cell(
            product,
            row,
            "Variant Compare At Price",
            record.get("variant compare at price"),
            values.money_fen,
        ),
        stock=read_cell(
            product, row, "Variant Inventory Qty", record.get("variant inventory qty"), values.count
        ),
        weight_g=read_cell(product, row, "Variant Grams", grams_text, values.grams),
        barcode=values.code(record.get("variant barcode")) or None,
        image_url=values.clean(record.get("variant image")) or None,
    )
    if not grams_text and record.get("variant weight"):
        sku.weight_g = read_cell(
            product,
            row,
            "Variant Weight",
            record.get("variant weight"),
            lambda v: values.grams(v, unit),
        )
    product.skus.append(sku)


def products(records: Iterator[Record]) -> Iterator[ProductRow]:
    """Group consecutive rows of a handle into one product each."""
    current: ProductRow | None = None
    option_names: list[str] = []
    for record in records:
        handle = values.clean(record.get("handle"))
        if current is None or handle != current.handle or not handle:
            if current is not None:
                yield check_product(current, price_column="Variant Price")
            current = _start(record)
            option_names = [values.clean(record.get(f"option{i} name")) for i in (1, 2, 3)]
        image = values.clean(record.get("image src"))
        if image and image not in current.images:
            current.images.append(image)
        if _has_variant(record):
            _add_variant(current, record, option_names)
    if current is not None:
        yield check_product(current, price_column="Variant Price")
