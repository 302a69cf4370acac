"""The SDK's helpers for product services: CSV-injection neutralizing, encoding guesses,
sniffing, and the fake shop's resumable jobs (the same tiny importer as the host's tests)."""

from __future__ import annotations

import csv
import io

import pytest

from sdk.errors import InvalidRequest
from sdk.importing import guess_encoding
from sdk.sniffing import check_result_type, sniff_document
from sdk.spreadsheet import neutralize_cell, neutralize_row, restore_cell
from sdk.testing import FakeShop
from tests.plugins_host.sample_plugins import tiny_import


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("龙井 = tea", "龙井 = tea"),
        ("", ""),
        (-5, -5),
        (3.5, 3.5),
        (None, None),
    ],
)
def test_neutralize_cell(value: object, safe: object) -> None:
    assert neutralize_cell(value) == safe
    assert restore_cell(neutralize_cell(value)) == value


def test_neutralize_row_in_a_csv() -> None:
    out = io.StringIO()
    csv.writer(out).writerow(neutralize_row(["=1+1", "tea", 12]))
    assert out.getvalue().strip() == "'=1+1,tea,12"


def test_guess_encoding() -> None:
    text = "编码,标题\nA1,龙井茶\n"
    assert guess_encoding(text.encode("utf-8")) == "utf-8-sig"
    assert guess_encoding(b"\xef\xbb\xbf" + text.encode("utf-8")) == "utf-8-sig"
    assert guess_encoding(text.encode("gbk")) == "gb18030"
    assert guess_encoding(text.encode("utf-8")[:8]) == "utf-8-sig"  # a character cut short


def test_sniffing_refuses_a_file_that_is_not_what_it_says() -> None:
    assert sniff_document(b"PK\x03\x04...") == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert sniff_document("a,b\n龙井,1\n".encode("gbk")) == "text/plain"
    check_result_type(b"a,b\n", "text/csv")
    with pytest.raises(InvalidRequest):
        check_result_type(b"PK\x03\x04", "text/csv")
    with pytest.raises(InvalidRequest):
        check_result_type(b"MZ\x90\x00\x03\x00\x00\x00", "text/csv")


def _file(rows: int, bad: set[int]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(tiny_import.HEADER)
    for n in range(1, rows + 1):
        writer.writerow([f"T{n}", f"Tea {n}", "x" if n in bad else "1.5"])
    return out.getvalue().encode()


def test_fake_shop_jobs_resume_after_a_kill_without_duplicates() -> None:
    shop = FakeShop(seed=False)
    shop.language = "zh-CN"
    shop.register_job_kinds(tiny_import.register_job_kinds())
    upload = shop.add_upload("t.csv", _file(250, {7, 120}))
    job = shop.jobs.start("import", {"file_id": upload.id, "category_id": 1, "chunk": 50})
    assert shop.run_jobs(stop_after=3) == {job.id: "killed"}
    assert len(shop.product_rows) == 148 and shop.jobs.get(job.id).progress == 150
    assert shop.run_jobs() == {job.id: "succeeded"}
    assert len(shop.product_rows) == 248
    assert shop.jobs.get(job.id).counts == {"created": 248, "failed": 2}
    assert [r.row for r in shop.refused_rows(job.id)] == [7, 120]
    assert shop.refused_rows(job.id)[0].reason == "价格不是数字"
