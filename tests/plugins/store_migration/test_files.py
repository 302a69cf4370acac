"""Files as merchants have them: encodings, line ends, quoted newlines, mangled numbers,
image-only rows, empty trailing columns; and the files refused with a clear reason."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from plugins.store_migration.drafts import ProductRow
from plugins.store_migration.importers import BY_CODE, FORMATS
from plugins.store_migration.messages import reason_text
from plugins.store_migration.reading import FileRefused, LimitedReader, csv_table
from plugins.store_migration.template import template_csv, template_xlsx
from tests.plugins.store_migration.shopify_sample import ROWS, shopify_csv


def shopify(data: bytes) -> list[ProductRow]:
    return list(BY_CODE["shopify_csv"].rows(io.BytesIO(data)))


def test_shopify_products_variants_and_image_rows() -> None:
    tee, mug = shopify(shopify_csv().encode())
    assert tee.ok and mug.ok
    assert (tee.handle, tee.title, tee.status) == ("tee-classic", "经典T恤 Classic tee", "listed")
    assert tee.description == "<p>Soft cotton.</p>\n<ul><li>Machine wash</li></ul>"
    assert tee.category == "Apparel & Accessories > Clothing > Shirts & Tops"
    assert tee.images == [
        "https://img.example.com/tee-1.jpg",
        "https://img.example.com/tee-2.jpg",
        "https://img.example.com/tee-3.jpg",
    ]
    assert [
        (s.code, s.options, s.price_fen, s.compare_at_fen, s.stock, s.weight_g) for s in tee.skus
    ] == [
        ("TEE-S-BLUE", {"Size": "S", "Color": "Blue"}, 5900, 7900, 20, 180),
        ("TEE-M-BLUE", {"Size": "M", "Color": "Blue"}, 5900, 7900, 15, 190),
        ("TEE-L-RED", {"Size": "L", "Color": "Red"}, 6250, None, 0, 200),
    ]
    assert tee.skus[0].barcode == "365275000000"  # Excel's 3.65275E+11
    assert tee.skus[2].image_url == "https://img.example.com/tee-red.jpg"
    # a single "Default Title" variant has no options and gets a code from the handle
    assert [(s.code, s.options, s.price_fen, s.barcode) for s in mug.skus] == [
        ("mug-blue", {}, 3500, "6901234567892")
    ]
    assert mug.status == "draft"
    assert len(mug.images) == 2


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
@pytest.mark.parametrize("newline", ["\r\n", "\n"])
def test_every_encoding_and_line_end_reads_the_same(encoding: str, newline: str) -> None:
    expected = shopify(shopify_csv().encode())
    data = shopify_csv(newline=newline).encode(encoding)
    table = csv_table(io.BytesIO(data))
    assert table.encoding in {
        "utf-8": {"utf-8"}, "utf-8-sig": {"utf-8-sig"}, "gbk": {"gb18030"},
        "gb18030": {"gb18030"}, "utf-16": {"utf-16"},
    }[encoding]  # fmt: skip
    got = shopify(data)
    assert [(p.handle, p.title, p.description.replace("\r\n", "\n")) for p in got] == [
        (p.handle, p.title, p.description) for p in expected
    ]
    assert [[s.code for s in p.skus] for p in got] == [[s.code for s in p.skus] for p in expected]


def test_tanzi_template_in_chinese_from_excel_gbk() -> None:
    text = template_csv("zh-CN").decode("utf-8-sig").replace("Basic tee", "基础款T恤")
    products = list(BY_CODE["tanzi_csv"].rows(io.BytesIO(text.encode("gbk"))))
    [tee] = products
    assert tee.ok, tee.problems
    assert (tee.handle, tee.title, tee.category) == (
        "tee-basic",
        "基础款T恤",
        "Clothing > T-shirts",
    )
    assert [(s.code, s.options, s.price_fen, s.stock, s.weight_g) for s in tee.skus] == [
        ("TEE-M", {"Size": "M"}, 5900, 20, 180),
        ("TEE-L", {"Size": "L"}, 5900, 12, 190),
    ]


def test_tanzi_template_as_xlsx_reads_numbers_as_typed() -> None:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(template_xlsx("en")))
    sheet = book.active
    assert sheet is not None
    sheet["Q2"] = 6901234567892  # a barcode typed into Excel: a number cell
    sheet["M2"] = 59  # a price as a number
    out = io.BytesIO()
    book.save(out)
    [tee] = list(BY_CODE["tanzi_xlsx"].rows(io.BytesIO(out.getvalue())))
    assert tee.ok, tee.problems
    assert (tee.skus[0].barcode, tee.skus[0].price_fen) == ("6901234567892", 5900)
    assert len(tee.skus) == 2


def test_bad_rows_are_refused_one_by_one_and_the_rest_read() -> None:
    rows = (
        *ROWS,
        ",No handle,,,,,,TRUE,Title,Default Title,,,,,NH-1,0,,1,,,10.00,,,,,,,,,,,,g,active,,",
        "neg,Negative price,,,,,,TRUE,Title,Default Title,,,,,NEG-1,0,,1,,,-5.00,,,,,,,,,,,,g,active,,",
        "abc,Price not a number,,,,,,TRUE,Title,Default Title,,,,,ABC-1,0,,1,,,abc,,,,,,,,,,,,g,active,,",
    )
    products = shopify(shopify_csv(rows=rows).encode())
    assert [p.handle for p in products if p.ok] == ["tee-classic", "mug-blue"]
    refused = {(p.row, p.problems[0].column, p.problems[0].reason) for p in products if not p.ok}
    assert refused == {
        (8, "handle", "missing_handle"),
        (9, "Variant Price", "negative_price"),
        (10, "Variant Price", "bad_price"),
    }


def _refusal(format_code: str, data: bytes | io.IOBase) -> FileRefused:
    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    with pytest.raises(FileRefused) as caught:
        list(BY_CODE[format_code].rows(stream))  # type: ignore[arg-type]
    return caught.value


def test_a_workbook_named_csv_an_image_and_a_pdf_are_not_csv() -> None:
    assert _refusal("shopify_csv", template_xlsx()).reason == "not_csv"
    assert _refusal("shopify_csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64).reason == "not_csv"
    assert _refusal("woocommerce_csv", b"%PDF-1.7\n...").reason == "not_csv"
    assert reason_text("not_csv", "zh-CN") == "该文件并不是 CSV 文件（与文件名不符）"  # noqa: RUF001


def test_a_csv_named_xlsx_is_not_a_workbook() -> None:
    assert _refusal("tanzi_xlsx", shopify_csv().encode()).reason == "not_xlsx"
    damaged = io.BytesIO()
    with zipfile.ZipFile(damaged, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    assert _refusal("tanzi_xlsx", damaged.getvalue()).reason == "not_xlsx"


def test_a_zip_bomb_workbook_is_refused_without_unpacking() -> None:
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\x00" * (32 * 1024 * 1024))
    assert len(bomb.getvalue()) < 100_000
    refused = _refusal("tanzi_xlsx", bomb.getvalue())
    assert refused.reason == "zip_bomb"
    assert "压缩炸弹" in reason_text(refused.reason, "zh-CN")


def test_a_2_gb_csv_is_refused_before_a_row_is_read(tmp_path: Path) -> None:
    huge = tmp_path / "products.csv"
    with huge.open("wb") as f:
        f.write(shopify_csv().encode())
        f.truncate(2 * 1024**3)  # sparse: no disk used
    with huge.open("rb") as stream:
        assert _refusal("shopify_csv", stream).reason == "file_too_large"  # type: ignore[arg-type]


def test_a_stream_of_unknown_size_is_cut_at_the_limit() -> None:
    class Pipe(io.RawIOBase):
        """A non-seekable stream of endless rows."""

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
            line = b"tee,Tee,,,,,,TRUE,Title,Default Title,,,,,T,0,,1,,,1.00\n" * 100
            n = min(len(buffer), len(line))
            buffer[:n] = line[:n]
            return n

    head = shopify_csv().encode()
    with pytest.raises(FileRefused) as caught:
        for _ in csv_table(LimitedReader(head, Pipe(), 1024 * 1024), limit=1024 * 1024).records:  # type: ignore[arg-type]
            pass
    assert caught.value.reason == "file_too_large"


def test_empty_files_and_missing_columns_say_so() -> None:
    assert _refusal("shopify_csv", b"").reason == "file_empty"
    refused = _refusal("shopify_csv", b"name,price\nTee,1\n")
    assert (refused.reason, refused.detail) == ("no_header", "handle, title, variant price")


def test_detect_picks_the_format_of_each_file() -> None:
    head = shopify_csv().encode("gbk")[:4096]
    scores = {fmt.code: fmt.detect(head, "products.csv").score for fmt in FORMATS}
    assert max(scores, key=lambda code: scores[code]) == "shopify_csv"
    assert scores["shopify_csv"] == 1.0
    assert BY_CODE["shopify_csv"].detect(head, "products.csv").encoding == "gb18030"
    assert BY_CODE["tanzi_xlsx"].detect(template_xlsx()[:4096], "t.xlsx").score > 0
    assert BY_CODE["shopify_csv"].detect(template_xlsx()[:4096], "t.csv").score == 0


def test_a_formula_cell_is_never_evaluated_or_kept() -> None:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(template_xlsx("en")))
    sheet = book.active
    assert sheet is not None
    sheet["B2"] = '=HYPERLINK("http://evil.example","Basic tee")'  # the title cell
    out = io.BytesIO()
    book.save(out)
    [tee] = list(BY_CODE["tanzi_xlsx"].rows(io.BytesIO(out.getvalue())))
    # openpyxl saved no cached value: the formula is read as an empty title, refused
    assert [(p.column, p.reason) for p in tee.problems] == [("title", "missing_title")]
