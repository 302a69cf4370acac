"""WooCommerce's product CSV (its built-in exporter and importer's columns).

``Type`` says what a row is: ``simple`` (also ``simple, downloadable, virtual``) is a
product with one SKU; ``variable`` is a product whose SKUs are the ``variation`` rows
naming it in ``Parent`` (by SKU or ``id:<ID>``); a variable product without variation rows
gets a SKU per combination of its attribute values at its own price. ``grouped`` and
``external`` products have nothing to sell here and are reported as not imported.

Simple products stream through; variable products wait for their variations until the
end of the file, because WooCommerce writes variations after all products.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from functools import partial

from plugins.store_migration import values
from plugins.store_migration.checks import check_product, read_cell, sku_code
from plugins.store_migration.drafts import ProductRow, SkuRow
from plugins.store_migration.reading import Record

COLUMNS = ("type", "sku", "name", "regular price")
_UNSUPPORTED = {"grouped", "external"}


def _types(record: Record) -> set[str]:
    return {part.strip().lower() for part in record.get("type").split(",") if part.strip()}


def _weight(product: ProductRow, record: Record) -> int | None:
    for column, text in record.cells.items():
        if column.startswith("weight") and text.strip():
            unit = column.partition("(")[2].rstrip(")") or "kg"
            return read_cell(product, record.row, column, text, partial(values.grams, unit=unit))
    return None


def _attributes(record: Record) -> list[tuple[str, list[str]]]:
    pairs: list[tuple[str, list[str]]] = []
    for index in itertools.count(1):
        name_column = f"attribute {index} name"
        if name_column not in record.cells:
            break
        name = values.clean(record.get(name_column))
        if name:
            pairs.append((name, values.split_list(record.get(f"attribute {index} value(s)"))))
    return pairs


def _sku(product: ProductRow, record: Record, options: dict[str, str]) -> SkuRow:
    row = record.row
    regular = read_cell(
        product, row, "Regular price", record.get("regular price"), values.money_fen
    )
    sale = read_cell(product, row, "Sale price", record.get("sale price"), values.money_fen)
    stock = read_cell(product, row, "Stock", record.get("stock"), values.count)
    if stock is None and values.flag(record.get("in stock?")) is False:
        stock = 0
    images = values.split_list(record.get("images"))
    return SkuRow(
        code=values.code(record.get("sku")) or sku_code(product.handle, options),
        options=options,
        price_fen=sale if sale is not None else regular,
        compare_at_fen=regular if sale is not None else None,
        stock=stock,
        weight_g=_weight(product, record),
        image_url=images[0] if images else None,
    )


def _product(record: Record) -> ProductRow:
    handle = values.code(record.get("sku"))
    if not handle and values.clean(record.get("id")):
        handle = f"woo-{values.clean(record.get('id'))}"
    published = values.clean(record.get("published"))
    categories = values.split_list(record.get("categories"))
    return ProductRow(
        row=record.row,
        handle=handle,
        title=record.get("name").strip(),
        description=(record.get("description") or record.get("short description")).strip(),
        status="listed" if published == "1" or not published else "draft",
        category=categories[0] if categories else "",
        tags=tuple(values.split_list(record.get("tags"))),
        images=values.split_list(record.get("images")),
    )


def _expand(parent: ProductRow, record: Record) -> None:
    """A variable product the file gave no variations: a SKU per attribute combination."""
    attributes = [(name, vals) for name, vals in _attributes(record) if vals]
    names = [name for name, _ in attributes]
    for combination in itertools.product(*(vals for _, vals in attributes)):
        options = dict(zip(names, combination, strict=True))
        sku = _sku(parent, record, options)
        sku.code = sku_code(parent.handle, options)
        parent.skus.append(sku)


def products(records: Iterator[Record]) -> Iterator[ProductRow]:
    """Simple products as they come; variable ones with their variations at the end."""
    parents: dict[str, tuple[ProductRow, Record]] = {}
    waiting: list[Record] = []
    for record in records:
        types = _types(record)
        if "variation" in types:
            waiting.append(record)
            continue
        product = _product(record)
        if types & _UNSUPPORTED or not types & {"simple", "variable"}:
            product.refuse(record.row, "Type", record.get("type"), "unsupported_type")
            yield product
        elif "variable" in types:
            parents[product.handle] = (product, record)
            if values.clean(record.get("id")):
                parents[f"id:{values.clean(record.get('id'))}"] = (product, record)
        else:
            product.skus.append(_sku(product, record, {}))
            yield check_product(product, price_column="Regular price")
    for record in waiting:
        ref = values.clean(record.get("parent"))
        found = parents.get(ref) or parents.get(values.code(ref))
        if found is None:
            orphan = _product(record)
            orphan.refuse(record.row, "Parent", ref, "unknown_parent")
            yield orphan
            continue
        parent = found[0]
        options = {name: vals[0] for name, vals in _attributes(record) if vals}
        parent.skus.append(_sku(parent, record, options))
    emitted: set[int] = set()
    for parent, record in parents.values():
        if id(parent) in emitted:
            continue
        emitted.add(id(parent))
        if not parent.skus:
            _expand(parent, record)
        yield check_product(parent, price_column="Regular price")
