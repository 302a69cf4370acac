"""Export, edit, re-import: the sheet written by the plugin read back by openpyxl (and as a
CSV), edited the way a merchant would, and diffed against the shop. Runs on the SDK's
``FakeShop`` only, as a provider's tests would."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pytest

from plugins.batch_products.diff import diff_sheet, index_catalog
from plugins.batch_products.export import ExportFilter, catalog, export_catalog
from plugins.batch_products.messages import refusal_report
from plugins.batch_products.reading import SheetRefused, read_sheet
from plugins.batch_products.sheet import COLUMNS, KEYS
from sdk.testing import FakeShop

PRICE = KEYS.index("price") + 1
TITLE = KEYS.index("title") + 1
STOCK = KEYS.index("stock") + 1


@pytest.fixture
def shop() -> FakeShop:
    shop = FakeShop(seed=False)
    shop.add_product(
        "明前龙井 West Lake Longjing tea",
        [("LJ-250", {"规格": "250g"}, 16800, 40), ("LJ-500", {"规格": "500g"}, 31800, 15)],
    )
    shop.add_product('=HYPERLINK("http://evil","click")', [("@SUM", {}, 2900, 200)])
    shop.add_product("+86 phone case", [("-CASE", {"颜色": "-red"}, 1990, 7)], status="delisted")
    return shop


def _export(shop: FakeShop, fmt: str = "xlsx", lang: str = "en", **where: object) -> bytes:
    out = io.BytesIO()
    export_catalog(shop, out, fmt=fmt, lang=lang, where=ExportFilter(**where))  # type: ignore[arg-type]
    return out.getvalue()


def _diff(shop: FakeShop, data: bytes):
    return diff_sheet(read_sheet(io.BytesIO(data)), index_catalog(catalog(shop)))


def test_export_xlsx_has_one_row_per_sku_in_the_merchants_language(shop: FakeShop) -> None:
    book = openpyxl.load_workbook(io.BytesIO(_export(shop, lang="zh_CN")), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0] == tuple(c.zh_CN for c in COLUMNS)
    assert len(rows) == 1 + 4
    first = dict(zip(KEYS, rows[1], strict=True))
    assert first["title"] == "明前龙井 West Lake Longjing tea"
    assert first["price"] == 168.0 and first["stock"] == 40 and first["options"] == "规格=250g"


def test_formula_cells_are_neutralized_in_xlsx_and_csv(shop: FakeShop) -> None:
    data = _export(shop)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        sheet = package.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # no cell is a formula
    book = openpyxl.load_workbook(io.BytesIO(data))
    values = [c.value for row in book.worksheets[0].iter_rows() for c in row]
    assert '\'=HYPERLINK("http://evil","click")' in values
    assert "'@SUM" in values and "'+86 phone case" in values and "'-CASE" in values
    assert all(c.data_type != "f" for row in book.worksheets[0].iter_rows() for c in row)
    rows = list(csv.reader(io.StringIO(_export(shop, "csv").decode("utf-8-sig"))))
    texts = [cell for row in rows[1:] for cell in row]
    assert not [t for t in texts if t[:1] in ("=", "+", "-", "@")]
    assert '\'=HYPERLINK("http://evil","click")' in texts


def test_reimport_of_an_untouched_export_changes_nothing(shop: FakeShop) -> None:
    for fmt in ("xlsx", "csv"):
        diff = _diff(shop, _export(shop, fmt))
        assert diff.changes == {} and diff.refused == []
        assert diff.counts == {"created": 0, "updated": 0, "unchanged": 3, "failed": 0}


def test_one_price_edited_in_the_file_is_exactly_the_preview(shop: FakeShop) -> None:
    book = openpyxl.load_workbook(io.BytesIO(_export(shop)))
    sheet = book.worksheets[0]
    sheet.cell(row=3, column=PRICE).value = 299.9  # LJ-500: 318.00 -> 299.90
    edited = io.BytesIO()
    book.save(edited)
    diff = _diff(shop, edited.getvalue())
    changes = list(diff.all_changes())
    assert [(c.product_id, c.sku_id, c.field, c.before, c.after) for c in changes] == [
        (1, 2, "price", 31800, 29990)
    ]
    assert changes[0].row == 3
    assert diff.counts == {"created": 0, "updated": 1, "unchanged": 2, "failed": 0}


def test_an_edited_csv_saved_by_excel_in_gbk_is_read(shop: FakeShop) -> None:
    text = _export(shop, "csv", lang="zh_CN").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    rows[1][TITLE - 1] = "明前龙井 新茶"
    rows[4][STOCK - 1] = "9"
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    diff = _diff(shop, out.getvalue().encode("gb18030"))
    assert [(c.product_id, c.field, c.before, c.after) for c in diff.all_changes()] == [
        (1, "title", "明前龙井 West Lake Longjing tea", "明前龙井 新茶"),
        (3, "stock", 7, 9),
    ]


def test_bad_rows_are_refused_with_row_column_and_reason_and_good_rows_count(
    shop: FakeShop,
) -> None:
    book = openpyxl.load_workbook(io.BytesIO(_export(shop)))
    sheet = book.worksheets[0]
    sheet.cell(row=2, column=PRICE).value = -5  # negative price
    sheet.cell(row=3, column=STOCK).value = "=1+1"  # a formula
    sheet.cell(row=4, column=PRICE).value = "abc"  # not a number
    sheet.cell(row=5, column=STOCK).value = 8  # good: 7 -> 8
    edited = io.BytesIO()
    book.save(edited)
    diff = _diff(shop, edited.getvalue())
    assert [(r.row, r.column, r.reason) for r in diff.refused] == [
        (2, "price", "negative"),
        (3, "stock", "formula"),
        (4, "price", "not_a_number"),
    ]
    assert [(c.product_id, c.field, c.after) for c in diff.all_changes()] == [(3, "stock", 8)]
    assert diff.counts["updated"] == 1 and diff.counts["failed"] == 2
    report = refusal_report(diff.refused, lang="zh_CN").decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(report)))
    assert lines[0] == ["行号", "列", "值", "原因"]
    assert lines[1] == ["2", "价格（元）", "'-5", "不能为负数。"]  # noqa: RUF001
    assert lines[2][3] == "不读取公式：请在此单元格中直接填写数值。"  # noqa: RUF001
    english = refusal_report(diff.refused, lang="en").decode("utf-8-sig")
    assert "Formulas are not read: type the value itself in this cell." in english


def test_filtered_export_keeps_only_the_products_asked_for(shop: FakeShop) -> None:
    rows = list(read_sheet(io.BytesIO(_export(shop, status="delisted"))))
    assert {r.cells["product_id"] for r in rows} == {3}
    rows = list(read_sheet(io.BytesIO(_export(shop, "csv", ids=frozenset({1})))))
    assert [r.cells["sku_code"] for r in rows] == ["LJ-250", "LJ-500"]


def test_files_that_are_not_sheets_are_refused_with_a_reason() -> None:
    with pytest.raises(SheetRefused) as refused:
        list(read_sheet(io.BytesIO(b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR")))
    assert refused.value.code == "not_a_sheet"
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("xl/workbook.xml", "<workbook/>")
        package.writestr("xl/worksheets/sheet1.xml", b"\0" * (64 << 20))
    with pytest.raises(SheetRefused) as refused:
        list(read_sheet(io.BytesIO(bomb.getvalue())))
    assert refused.value.code == "zip_bomb"
    with pytest.raises(SheetRefused) as refused:
        list(read_sheet(io.BytesIO("标题,价格\n茶,1\n".encode())))
    assert refused.value.code == "missing_columns"
