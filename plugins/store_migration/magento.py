"""Magento 2's catalog import/export CSV (System > Data Transfer, entity "Products").

A row with a ``store_view_code`` only translates a product for one store view and is
passed over. A ``configurable`` product's SKUs are the products its
``configurable_variations`` cell names (``sku=X,size=XS|sku=Y,size=S``), with the
price, stock and weight of their own rows; any other ``simple``, ``virtual`` or
``downloadable`` product is a product with one SKU. ``bundle`` and ``grouped`` products
are reported as not imported.

Magento writes a configurable's children before it, so rows that may be children (not
visible individually) wait until their configurable claims them; those no configurable
claims are imported as products of their own at the end of the file. A configurable
whose children are all missing (a multi-file export keeps them in another file) is
reported; one missing only some is imported with those present.
"""

from __future__ import annotations

from collections.abc import Iterator

from plugins.store_migration import values
from plugins.store_migration.checks import check_product, read_cell
from plugins.store_migration.drafts import ProductRow, SkuRow
from plugins.store_migration.reading import Record

COLUMNS = ("sku", "product_type", "name", "price")
_SINGLE = {"simple", "virtual", "downloadable"}
_ROOTS = {"default category", "root catalog"}


def _category(cell: str) -> str:
    first = cell.split(",")[0].strip()
    parts = [part.strip() for part in first.split("/") if part.strip()]
    if parts and parts[0].lower() in _ROOTS:
        parts = parts[1:]
    return " > ".join(parts)


def _variations(cell: str) -> list[tuple[str, dict[str, str]]]:
    found: list[tuple[str, dict[str, str]]] = []
    for part in cell.split("|"):
        pairs = dict(
            (key.strip(), value.strip().strip('"'))
            for key, _, value in (item.partition("=") for item in part.split(","))
            if key.strip()
        )
        sku = pairs.pop("sku", "")
        if sku:
            found.append((sku, pairs))
    return found


def _labels(cell: str) -> dict[str, str]:
    return {
        key.strip(): value.strip()
        for key, _, value in (item.partition("=") for item in cell.split(","))
        if key.strip() and value.strip()
    }


def _images(record: Record) -> list[str]:
    images: list[str] = []
    for cell in (record.get("base_image"), record.get("additional_images")):
        for image in values.split_list(cell):
            if image not in images:
                images.append(image)
    return images


def _product(record: Record) -> ProductRow:
    online = values.flag(record.get("product_online"))
    return ProductRow(
        row=record.row,
        handle=values.code(record.get("sku")),
        title=record.get("name").strip(),
        description=(record.get("description") or record.get("short_description")).strip(),
        status="delisted" if online is False else "listed",
        category=_category(record.get("categories")),
        images=_images(record),
    )


def _sku(product: ProductRow, record: Record, options: dict[str, str]) -> SkuRow:
    row = record.row
    price = read_cell(product, row, "price", record.get("price"), values.money_fen)
    special = read_cell(
        product, row, "special_price", record.get("special_price"), values.money_fen
    )
    images = _images(record)
    return SkuRow(
        code=values.code(record.get("sku")),
        options=options,
        price_fen=special if special is not None else price,
        compare_at_fen=price if special is not None else None,
        stock=read_cell(product, row, "qty", record.get("qty"), values.count),
        weight_g=read_cell(
            product, row, "weight", record.get("weight"), lambda v: values.grams(v, "kg")
        ),
        image_url=images[0] if images else None,
    )


def _single(record: Record) -> ProductRow:
    product = _product(record)
    product.skus.append(_sku(product, record, {}))
    return check_product(product)


class _Configurable:
    """A configurable product waiting for the rows of the children it names."""

    def __init__(self, record: Record) -> None:
        self.product = _product(record)
        labels = _labels(record.get("configurable_variation_labels"))
        self.children = {
            sku: {labels.get(key, key): value for key, value in options.items()}
            for sku, options in _variations(record.get("configurable_variations"))
        }
        self.rows: dict[str, Record] = {}

    def complete(self) -> bool:
        return len(self.rows) == len(self.children)

    def finish(self) -> ProductRow:
        """The product with the SKUs whose rows were read; refused when none was (a
        multi-file export keeps them in another file)."""
        for sku, options in self.children.items():
            child = self.rows.get(sku)
            if child is not None:
                self.product.skus.append(_sku(self.product, child, options))
        if self.children and not self.product.skus:
            cell = "|".join(list(self.children)[:3])
            self.product.refuse(
                self.product.row, "configurable_variations", cell, "missing_variations"
            )
        return check_product(self.product)


def products(records: Iterator[Record]) -> Iterator[ProductRow]:
    """Products with their SKUs; configurables once all their children were read."""
    pending: dict[str, Record] = {}
    claimed: dict[str, _Configurable] = {}
    for record in records:
        if record.get("store_view_code").strip():
            continue
        kind = record.get("product_type").strip().lower()
        sku = values.code(record.get("sku"))
        if kind == "configurable":
            parent = _Configurable(record)
            for child in parent.children:
                if child in pending:
                    parent.rows[child] = pending.pop(child)
                else:
                    claimed[child] = parent
            if parent.complete():
                yield parent.finish()
        elif kind in _SINGLE:
            owner = claimed.pop(sku, None)
            if owner is not None:
                owner.rows[sku] = record
                if owner.complete():
                    yield owner.finish()
            elif record.get("visibility").strip().lower() == "not visible individually":
                pending[sku] = record
            else:
                yield _single(record)
        else:
            product = _product(record)
            product.refuse(record.row, "product_type", kind, "unsupported_type")
            yield product
    unfinished = {id(parent): parent for parent in claimed.values()}
    for parent in unfinished.values():
        yield parent.finish()
    for record in pending.values():
        yield _single(record)
