"""PrestaShop's CSV import files (Advanced Parameters > Import), ``;``-separated.

The products file has one product a row (``Product ID``, ``Name *``, ``Price tax
excluded``, ``Reference #``, ``Quantity``, ``Image URLs (x,y,z...)``...), each with one
SKU. The combinations file adds the SKUs of products imported before: consecutive rows
of one ``Product ID*`` become one partial product whose SKUs carry their ``Impact on
price`` (the import adds it to the product's price). A product is known by
``ps-<Product ID>`` in both files, so the combinations find their product. A
combination repeating an earlier one's values is reported; one reusing another's
reference gets a code made from the reference and its values.
"""

from __future__ import annotations

from collections.abc import Iterator

from plugins.store_migration import values
from plugins.store_migration.checks import check_product, read_cell, sku_code
from plugins.store_migration.drafts import ProductRow, SkuRow
from plugins.store_migration.reading import Record

PRODUCT_COLUMNS = ("product id", "name *")
COMBINATION_COLUMNS = ("product id*", "attribute (name:type:position)*")


def _handle(product_id: str) -> str:
    product_id = values.clean(product_id)
    return f"ps-{product_id}" if product_id else ""


def _price_cell(record: Record) -> tuple[str, str]:
    for column in ("price tax excluded", "price tax included", "price"):
        if record.get(column).strip():
            return column, record.get(column)
    return "price tax excluded", ""


def product_rows(records: Iterator[Record]) -> Iterator[ProductRow]:
    """One product per row of the products file."""
    for record in records:
        row = record.row
        active = values.flag(record.get("active (0/1)"))
        categories = values.split_list(record.get("categories (x,y,z...)"))
        product = ProductRow(
            row=row,
            handle=_handle(record.get("product id")) or values.code(record.get("reference #")),
            title=record.get("name *").strip(),
            description=(record.get("description") or record.get("summary")).strip(),
            status="delisted" if active is False else "listed",
            category=categories[0] if categories else "",
            vendor=record.get("manufacturer").strip(),
            tags=tuple(values.split_list(record.get("tags (x,y,z...)"))),
            images=values.split_list(record.get("image urls (x,y,z...)")),
        )
        column, price = _price_cell(record)
        code = values.code(record.get("reference #")) or sku_code(product.handle, {})
        product.skus.append(
            SkuRow(
                code=code,
                price_fen=read_cell(product, row, column, price, values.money_fen),
                stock=read_cell(product, row, "Quantity", record.get("quantity"), values.count),
                weight_g=read_cell(
                    product, row, "Weight", record.get("weight"), lambda v: values.grams(v, "kg")
                ),
                barcode=values.code(record.get("ean13") or record.get("upc")) or None,
            )
        )
        yield check_product(product, price_column=column)


def _options(record: Record) -> dict[str, str]:
    names = [
        part.split(":")[0].strip()
        for part in record.get("attribute (name:type:position)*").split(",")
    ]
    picked = [
        part.split(":")[0].strip() for part in record.get("value (value:position)*").split(",")
    ]
    return {name: value for name, value in zip(names, picked, strict=False) if name and value}


def combination_rows(records: Iterator[Record]) -> Iterator[ProductRow]:
    """One partial product per run of rows with the same ``Product ID*``."""
    current: ProductRow | None = None
    for record in records:
        handle = _handle(record.get("product id*"))
        if current is None or handle != current.handle or not handle:
            if current is not None:
                yield check_product(current)
            current = ProductRow(row=record.row, handle=handle, partial=True)
        row = record.row
        options = _options(record)
        if any(sku.options == options for sku in current.skus):
            repeated = ProductRow(row=row, handle=handle, partial=True)
            repeated.refuse(
                row,
                "Value (Value:Position)*",
                record.get("value (value:position)*"),
                "duplicate_sku",
            )
            yield repeated
            continue
        code = values.code(record.get("reference")) or sku_code(handle, options)
        if any(sku.code == code for sku in current.skus):
            code = sku_code(code, options)  # one reference given to two combinations
        images = values.split_list(record.get("image urls (x,y,z...)"))
        current.skus.append(
            SkuRow(
                code=code,
                options=options,
                price_impact_fen=read_cell(
                    current, row, "Impact on price", record.get("impact on price"), values.money_fen
                ),
                stock=read_cell(current, row, "Quantity", record.get("quantity"), values.count),
                barcode=values.code(record.get("ean13") or record.get("upc")) or None,
                image_url=images[0] if images else None,
            )
        )
    if current is not None:
        yield check_product(current)
