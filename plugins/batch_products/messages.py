"""Reasons a row, a cell or a file is refused, in the merchant's language (zh_CN or en),
and the downloadable report of refused rows.

The plugin imports only ``sdk``, so it keeps its own small catalog instead of the console's
gettext files; a code without an entry is shown as it is.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from plugins.batch_products.sheet import COLUMNS, neutralize

REASONS: dict[str, tuple[str, str]] = {
    # code: (English, 简体中文)
    "not_a_number": ("Not a number.", "不是数字。"),
    "not_a_whole_number": ("Not a whole number.", "不是整数。"),
    "too_many_decimals": ("A price has at most two decimals.", "价格最多两位小数。"),
    "negative": ("Cannot be negative.", "不能为负数。"),
    "unknown_product": (
        "No product with this ID in the shop.",
        "店铺中没有这个商品ID。",
    ),
    "unknown_sku": ("This SKU ID is not one of the product's SKUs.", "该SKU ID不属于此商品。"),
    "unknown_status": (
        "Status must be listed or delisted (上架 or 下架).",
        "状态须为上架或下架（listed 或 delisted）。",  # noqa: RUF001 (Chinese punctuation)
    ),
    "cannot_draft": (
        "A product that was on sale cannot go back to draft; delist it instead.",
        "已上架过的商品不能改回草稿，请改为下架。",  # noqa: RUF001 (Chinese punctuation)
    ),
    "title_too_long": ("A title has at most 120 characters.", "标题最多120个字符。"),
    "formula": (
        "Formulas are not read: type the value itself in this cell.",
        "不读取公式：请在此单元格中直接填写数值。",  # noqa: RUF001 (Chinese punctuation)
    ),
    "conflict": (
        "Another row of the same product sets this field to a different value.",
        "同一商品的另一行把此字段设为不同的值。",
    ),
    "price_below_zero": ("The rule would make the price negative.", "按此规则价格将为负数。"),
    "stock_below_zero": ("The rule would make the stock negative.", "按此规则库存将为负数。"),
    "percent_too_low": ("A price cannot drop by 100% or more.", "价格降幅不能达到或超过100%。"),
    "unknown_rule": ("Choose how to change the value.", "请选择修改方式。"),
    "changed_since": (
        "Changed again after the batch; left as it is.",
        "批量修改后又被改动过，保持不变。",  # noqa: RUF001 (Chinese punctuation)
    ),
    "missing_columns": (
        "The sheet lacks the columns {columns}; export again and edit that file.",
        "表格缺少{columns}列，请重新导出并编辑导出的文件。",  # noqa: RUF001 (Chinese punctuation)
    ),
    "not_a_workbook": (
        "This file is not an Excel workbook (.xlsx).",
        "此文件不是Excel工作簿（.xlsx）。",  # noqa: RUF001 (Chinese punctuation)
    ),
    "not_a_sheet": (
        "This file is neither an XLSX workbook nor a CSV table.",
        "此文件既不是XLSX工作簿，也不是CSV表格。",  # noqa: RUF001 (Chinese punctuation)
    ),
    "zip_bomb": (
        "The workbook unpacks to far more than a product sheet; it was not opened.",
        "此工作簿解压后远大于商品表格，未打开。",  # noqa: RUF001 (Chinese punctuation)
    ),
    "bad_encoding": (
        "The text is neither UTF-8 nor GBK; save it as UTF-8 CSV.",
        "文本既不是UTF-8也不是GBK编码，请另存为UTF-8 CSV。",  # noqa: RUF001 (Chinese punctuation)
    ),
    "bad_csv": ("The CSV cannot be read: {detail}", "无法读取CSV：{detail}"),  # noqa: RUF001
    "empty": ("The sheet is empty.", "表格是空的。"),
    "expired": (
        "A batch can be undone within a day of applying it.",
        "批量修改只能在应用后一天内撤销。",
    ),
    "not_applied": ("Only an applied batch can be undone.", "只有已应用的批次可以撤销。"),
    "unchanged": ("Nothing to change.", "无需修改。"),
    "cannot_undo_delete": ("A deleted product cannot be restored.", "已删除的商品无法恢复。"),
    "already_applied": ("This batch was applied already.", "此批次已经应用过。"),
}


def reason_text(code: str, lang: str, **params: Any) -> str:
    """The reason ``code`` in ``lang`` (``zh_CN`` or English), with ``params`` filled in."""
    texts = REASONS.get(code)
    if texts is None:
        return code
    text = texts[1] if lang == "zh_CN" else texts[0]
    try:
        return text.format(**params)
    except (KeyError, IndexError):
        return text


def column_title(key: str, lang: str) -> str:
    """The header of column ``key`` in ``lang`` (the key itself for another column)."""
    for column in COLUMNS:
        if column.key == key:
            return column.header(lang)
    return key


REPORT_HEADERS = {"en": ("Row", "Column", "Value", "Reason"), "zh_CN": ("行号", "列", "值", "原因")}


def refusal_report(refused: Iterable[Any], *, lang: str) -> bytes:
    """The refused rows as a UTF-8 CSV (with a BOM, for Excel): row, column, value and the
    reason in ``lang``. ``refused`` holds :class:`~plugins.batch_products.diff.Refusal` or
    dicts of the same fields."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REPORT_HEADERS["zh_CN" if lang == "zh_CN" else "en"])
    for item in refused:
        get = item.get if isinstance(item, dict) else lambda k, i=item: getattr(i, k)
        writer.writerow(
            [
                get("row"),
                column_title(str(get("column")), lang),
                neutralize(str(get("value"))),
                reason_text(str(get("reason")), lang),
            ]
        )
    return out.getvalue().encode("utf-8-sig")
