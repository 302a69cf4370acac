"""The plugin's jobs and bulk actions on the SDK's ``FakeShop``: export to a result file,
preview an edited upload, apply it (resuming after a killed worker), undo it within a day,
and bulk actions that keep their before-values for undo."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pytest

import plugins.batch_products as plugin
from plugins.batch_products import batches
from plugins.batch_products.actions import run_bulk
from plugins.batch_products.sheet import KEYS
from sdk.testing import FakeShop

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def shop() -> FakeShop:
    shop = FakeShop.for_manifest(plugin.manifest, seed=False)
    shop.register_job_kinds(plugin.register_job_kinds())
    for n in range(1, 6):
        shop.add_product(f"Tea {n}", [(f"T{n}-S", {}, 1000 * n, 10), (f"T{n}-L", {}, 1500 * n, 5)])
    return shop


def _run(shop: FakeShop, code: str, **params: object) -> int:
    job = shop.jobs.start(code, params)
    assert shop.run_jobs()[job.id] == "succeeded", shop.job_rows[job.id]
    return job.id


def _edited_export(shop: FakeShop, edit) -> int:
    job_id = _run(shop, "export", format="xlsx")
    result = shop.job_rows[job_id]["result_file_id"]
    book = openpyxl.load_workbook(io.BytesIO(shop.file_bytes(result)))
    edit(book.worksheets[0])
    out = io.BytesIO()
    book.save(out)
    return shop.add_upload("edited.xlsx", out.getvalue(), content_type=XLSX).id


def _cell(sheet, row: int, key: str):
    return sheet.cell(row=row, column=KEYS.index(key) + 1)


def test_export_edit_reimport_preview_apply_and_undo(shop: FakeShop) -> None:
    def edit(sheet) -> None:
        _cell(sheet, 4, "price").value = 25.5  # product 2, T2-S: 20.00 -> 25.50

    upload = _edited_export(shop, edit)
    preview = _run(shop, "preview", file_id=upload)
    batch = f"s{preview}"
    parts = list(batches.batch_parts(shop, batch))
    changes = [c for _key, items in parts for c in items]
    assert [
        (c["product_id"], c["sku_id"], c["field"], c["before"], c["after"]) for c in changes
    ] == [(2, 3, "price", 2000, 2550)]
    assert shop.job_rows[preview]["counts"] == {"updated": 1, "unchanged": 4}
    assert shop.products.get(2).skus[0].price_fen == 2000  # a preview writes nothing

    _run(shop, "apply", batch=batch)
    assert shop.products.get(2).skus[0].price_fen == 2550
    assert batches.header(shop, batch)["status"] == "applied"

    _run(shop, "undo", batch=batch)
    assert shop.products.get(2).skus[0].price_fen == 2000
    assert batches.header(shop, batch)["status"] == "undone"


def test_undo_leaves_a_field_changed_since_and_says_so(shop: FakeShop) -> None:
    def edit(sheet) -> None:
        _cell(sheet, 2, "stock").value = 11
        _cell(sheet, 3, "stock").value = 6

    batch = f"s{_run(shop, 'preview', file_id=_edited_export(shop, edit))}"
    _run(shop, "apply", batch=batch)
    shop.products.set_stock(2, 99)  # changed again by hand after the batch
    undo = _run(shop, "undo", batch=batch)
    assert [s.stock for s in shop.products.get(1).skus] == [10, 99]
    refused = shop.refused_rows(undo)
    assert [(r.row, r.reason) for r in refused] == [
        (3, "Changed again after the batch; left as it is.")
    ]


def test_undo_is_refused_after_a_day(shop: FakeShop) -> None:
    batch = f"s{_run(shop, 'preview', file_id=_edited_export(shop, lambda s: setattr(_cell(s, 2, 'title'), 'value', 'Green tea')))}"
    _run(shop, "apply", batch=batch)
    assert shop.products.get(1).title == "Green tea"
    old = batches.now_utc() - timedelta(days=1, minutes=1)
    batches.mark(shop, batch, applied_at=old.isoformat())
    undo = _run(shop, "undo", batch=batch)
    assert shop.products.get(1).title == "Green tea"
    assert [r.reason for r in shop.refused_rows(undo)] == [
        "A batch can be undone within a day of applying it."
    ]


def test_apply_resumes_after_a_killed_worker_without_doing_a_change_twice(
    shop: FakeShop,
) -> None:
    def edit(sheet) -> None:
        for row in range(2, 12):
            _cell(sheet, row, "stock").value = 100 + row

    batch = f"s{_run(shop, 'preview', file_id=_edited_export(shop, edit))}"
    for key, items in list(batches.batch_parts(shop, batch)):  # one change per part
        shop.records.delete(batches.CHANGES, key)
        for n, item in enumerate(items):
            shop.records.put(batches.CHANGES, f"{key}-{n:03d}", {"changes": [item]})
    job = shop.jobs.start("apply", {"batch": batch})
    assert shop.run_jobs(stop_after=4)[job.id] == "killed"
    done = shop.job_rows[job.id]["position"]
    assert done == 4
    assert shop.run_jobs()[job.id] == "succeeded"
    stocks = [s.stock for p in shop.products.list() for s in p.skus]
    assert stocks == [100 + row for row in range(2, 12)]
    assert shop.job_rows[job.id]["counts"]["updated"] == 10


def test_a_sheet_that_is_not_one_is_reported_in_the_merchants_language(shop: FakeShop) -> None:
    shop.language = "zh-CN"
    upload = shop.add_upload("products.csv", "名称,价格\n茶,1\n".encode())
    preview = _run(shop, "preview", file_id=upload.id)
    assert [r.reason for r in shop.refused_rows(preview)] == [
        "表格缺少商品ID, SKU ID列，请重新导出并编辑导出的文件。"  # noqa: RUF001
    ]


def test_bulk_price_rule_then_undo_of_the_whole_run(shop: FakeShop) -> None:
    params = {"mode": "percent", "value": "-10", "round_9": "on"}
    for product_id in (1, 2):
        text = run_bulk("price", item_id=product_id, client=shop, params=params, job_id=7)
        assert "price" in text
    assert [s.price_fen for s in shop.products.get(1).skus] == [890, 1390]
    assert [s.price_fen for s in shop.products.get(2).skus] == [1790, 2690]
    assert shop.products.get(3).skus[0].price_fen == 3000
    assert batches.header(shop, "a7")["status"] == "applied"
    undo = _run(shop, "undo", batch="a7")
    assert [s.price_fen for s in shop.products.get(1).skus] == [1000, 1500]
    assert [s.price_fen for s in shop.products.get(2).skus] == [2000, 3000]
    assert shop.refused_rows(undo) == []


def test_bulk_stock_status_category_and_delete(shop: FakeShop) -> None:
    run_bulk("stock", item_id=1, client=shop, params={"mode": "add", "value": "5"}, job_id=1)
    assert [s.stock for s in shop.products.get(1).skus] == [15, 10]
    run_bulk("delist", item_id=1, client=shop, job_id=1)
    assert shop.products.get(1).status == "delisted"
    run_bulk("category", item_id=1, client=shop, params={"category_id": "2"}, job_id=1)
    assert shop.products.get(1).category_id == 2
    with pytest.raises(ValueError, match=r"The rule would make the stock negative\."):
        run_bulk("stock", item_id=2, client=shop, params={"mode": "add", "value": "-6"}, job_id=1)
    assert [s.stock for s in shop.products.get(2).skus] == [10, 5]
    run_bulk("delete", item_id=5, client=shop, params={"confirm": "on"}, job_id=1)
    assert [p.id for p in shop.products.list()] == [1, 2, 3, 4]
