"""Tanzi's own import template, as CSV or XLSX, with English or Chinese column names.

One row per SKU; a product's rows share a ``handle`` and follow each other, and its first
row carries the product's fields (title, description, category, status, images, the
option names). The columns, in order (``docs/store-migration.md`` explains each):

=================  ============  ==================================================
column             中文列名       value
=================  ============  ==================================================
handle             商品编号       the product's own key (kept as its external ref)
title              标题           up to 120 characters
description        描述           text or HTML
category           类目           a path, ``服装 > T恤``
status             状态           listed / delisted / draft (上架 / 下架 / 草稿)
option1_name ...   规格1名称 ...  up to three options, name on the first row
option1_value ...  规格1值 ...    this SKU's value of the option
sku                SKU编码        the SKU's code (made from handle and options if empty)
price              价格           yuan, ``12.50``
compare_at_price   划线价         yuan, the price shown struck through
stock              库存           a whole number
weight_g           重量(克)       grams
barcode            条码           EAN/UPC digits
images             图片           image URLs separated by spaces or commas
=================  ============  ==================================================
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

from plugins.store_migration import values
from plugins.store_migration.checks import check_product, read_cell, sku_code
from plugins.store_migration.drafts import ProductRow, SkuRow
from plugins.store_migration.reading import Record

COLUMNS_EN = (
    "handle", "title", "description", "category", "status",
    "option1_name", "option1_value", "option2_name", "option2_value",
    "option3_name", "option3_value",
    "sku", "price", "compare_at_price", "stock", "weight_g", "barcode", "images",
)  # fmt: skip
COLUMNS_ZH = (
    "商品编号", "标题", "描述", "类目", "状态",
    "规格1名称", "规格1值", "规格2名称", "规格2值", "规格3名称", "规格3值",
    "SKU编码", "价格", "划线价", "库存", "重量(克)", "条码", "图片",
)  # fmt: skip
#: Chinese column names (as :func:`~.reading.header_key` leaves them) to English ones.
ALIASES = {name.lower(): en for name, en in zip(COLUMNS_ZH, COLUMNS_EN, strict=True)} | {
    "重量（克）": "weight_g"  # noqa: RUF001 (Excel users type the full-width form)
}
COLUMNS = ("handle", "title", "price")
_STATUS = {"上架": "listed", "下架": "delisted", "草稿": "draft"}
_EXAMPLE = (
    ("tee-basic", "Basic tee", "<p>Soft cotton.</p>", "Clothing > T-shirts", "listed",
     "Size", "M", "", "", "", "", "TEE-M", "59.00", "79.00", "20", "180", "6901234567892",
     "https://example.com/tee.jpg"),
    ("tee-basic", "", "", "", "", "", "L", "", "", "", "", "TEE-L", "59.00", "79.00", "12",
     "190", "", ""),
)  # fmt: skip


def _status(text: str) -> str:
    text = values.clean(text).lower()
    return _STATUS.get(text, text if text in {"listed", "delisted", "draft"} else "listed")


def _start(record: Record) -> ProductRow:
    return ProductRow(
        row=record.row,
        handle=values.code(record.get("handle")),
        title=record.get("title").strip(),
        description=record.get("description").strip(),
        status=_status(record.get("status")),
        category=values.clean(record.get("category")),
        images=[url for url in re.split(r"[\s,]+", record.get("images")) if url],
    )


def _sku(product: ProductRow, record: Record, names: list[str]) -> SkuRow:
    row = record.row
    options = {
        name: values.clean(record.get(f"option{i}_value"))
        for i, name in enumerate(names, start=1)
        if name and values.clean(record.get(f"option{i}_value"))
    }
    return SkuRow(
        code=values.code(record.get("sku")) or sku_code(product.handle, options),
        options=options,
        price_fen=read_cell(product, row, "price", record.get("price"), values.money_fen),
        compare_at_fen=read_cell(
            product, row, "compare_at_price", record.get("compare_at_price"), values.money_fen
        ),
        stock=read_cell(product, row, "stock", record.get("stock"), values.count),
        weight_g=read_cell(product, row, "weight_g", record.get("weight_g"), values.grams),
        barcode=values.code(record.get("barcode")) or None,
    )


def products(records: Iterator[Record]) -> Iterator[ProductRow]:
    """Consecutive rows of a handle make one product, one SKU a row."""
    current: ProductRow | None = None
    names: list[str] = []
    for record in records:
        handle = values.code(record.get("handle"))
        if current is None or handle != current.handle or not handle:
            if current is not None:
                yield check_product(current)
            current = _start(record)
            names = [values.clean(record.get(f"option{i}_name")) for i in (1, 2, 3)]
        elif not current.images:
            current.images = [url for url in re.split(r"[\s,]+", record.get("images")) if url]
        current.skus.append(_sku(current, record, names))
    if current is not None:
        yield check_product(current)


def template_csv(locale: str = "en") -> bytes:
    """The template as a UTF-8 CSV with a BOM (so Excel opens the Chinese right), with
    two example rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS_ZH if locale.startswith("zh") else COLUMNS_EN)
    writer.writerows(_EXAMPLE)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx(locale: str = "en") -> bytes:
    """The template as an Excel workbook, with the same two example rows."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("products")
    sheet.append(list(COLUMNS_ZH if locale.startswith("zh") else COLUMNS_EN))
    for row in _EXAMPLE:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
