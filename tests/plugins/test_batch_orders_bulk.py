"""plugins/batch_orders' bulk cancel, notes and flags, and exports by filter, on the SDK's
``FakeShop``: only unpaid orders are cancelled (each order says what happened), a
repeated cancel-by-days run cancels nothing twice, notes and flags land on the orders,
and the XLSX export carries buyer details only from the export declaring ``orders:pii``
and only when the installation holds it, with formula-like cells neutralized."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import openpyxl
import pytest

from plugins import batch_orders as plugin
from plugins.batch_orders.actions import RowRefused, cancel_unpaid, note_and_flag
from plugins.batch_orders.pages import export_page, export_pii_page, routes
from sdk.models import ResultFile, SafeHtml
from sdk.testing import FakeShop


@pytest.fixture
def shop() -> FakeShop:
    shop = FakeShop.for_manifest(plugin.manifest, seed=False)
    shop.register_job_kinds(plugin.register_job_kinds())
    shop.add_product('=HYPERLINK("http://evil")', [("T-1", {}, 1000, 50)])
    return shop


def test_cancel_takes_only_unpaid_orders_and_says_why_for_the_rest(shop: FakeShop) -> None:
    unpaid = shop.add_order([(1, 1)], status="pending_payment").id
    paid = shop.add_order([(1, 1)], status="paid").id
    done = cancel_unpaid(unpaid, shop, {"reason": "缺货"}, language="zh-CN")
    assert done == "已取消。"
    assert shop.orders.get(unpaid).status == "cancelled"
    assert shop.called("orders.cancel")[0][1] == {"reason": "缺货"}
    with pytest.raises(RowRefused, match="paid"):
        cancel_unpaid(paid, shop, {"reason": "x"})
    assert shop.orders.get(paid).status == "paid"


def test_cancel_by_days_cancels_each_unpaid_order_once(shop: FakeShop) -> None:
    old = shop.add_order([(1, 1)], status="pending_payment").id
    shop.order_rows[old]["created_at"] = datetime(2026, 11, 1, tzinfo=UTC)
    recent = [shop.add_order([(1, 1)], status="pending_payment").id for _ in range(3)]
    paid = shop.add_order([(1, 1)], status="paid").id
    today = datetime.now(UTC).date().isoformat()
    params = {"reason": "超时未付款", "placed_from": today, "placed_to": today}
    job = shop.jobs.start("cancel_unpaid", params)
    assert shop.run_jobs()[job.id] == "succeeded"
    assert [shop.orders.get(i).status for i in recent] == ["cancelled"] * 3
    assert shop.orders.get(old).status == "pending_payment"  # placed before the days
    assert shop.orders.get(paid).status == "paid"
    assert shop.job_rows[job.id]["counts"] == {"cancelled": 3, "skipped": 1}
    again = shop.jobs.start("cancel_unpaid", params)
    assert shop.run_jobs()[again.id] == "succeeded"
    assert len(shop.called("orders.cancel")) == 3


def test_notes_and_flags_land_on_each_selected_order(shop: FakeShop) -> None:
    ids = [shop.add_order([(1, 1)]).id for _ in range(2)]
    for order_id in ids:
        assert note_and_flag(order_id, shop, {"note": "加急", "flag": "red"}) == "Marked."
    assert [(shop.orders.get(i).merchant_note, shop.orders.get(i).merchant_flag) for i in ids] == [
        ("加急", "red"),
        ("加急", "red"),
    ]
    note_and_flag(ids[0], shop, {"note": "", "flag": "none"})
    assert shop.orders.get(ids[0]).merchant_flag is None
    assert shop.orders.get(ids[0]).merchant_note == "加急"  # an empty note leaves it
    with pytest.raises(RowRefused):
        note_and_flag(ids[1], shop, {"note": "", "flag": ""}, language="en")


def _sheet(out: ResultFile | SafeHtml) -> list[list[object]]:
    assert isinstance(out, ResultFile), out
    book = openpyxl.load_workbook(io.BytesIO(out.data), read_only=True)
    return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]


def test_the_xlsx_export_filters_and_keeps_buyers_behind_orders_pii(shop: FakeShop) -> None:
    paid = shop.add_order([(1, 2)], status="paid").id
    shop.add_order([(1, 1)], status="pending_payment")
    shop.order_rows[paid]["address"] = "=cmd|' /C calc'!A0"
    rows = _sheet(export_page(shop, {"format": "xlsx", "status": "paid"}))
    assert rows[0][:2] == ["Order", "Status"] and "Recipient" not in rows[0]
    assert [r[0] for r in rows[1:]] == [paid]
    assert rows[1][6] == '\'=HYPERLINK("http://evil") x2'  # neutralized
    assert rows[1][4] == 20.0  # money stays a number
    with_buyer = _sheet(export_pii_page(shop, {"format": "xlsx", "status": "paid"}))
    assert with_buyer[0][-3:] == ["Recipient", "Phone", "Address"]
    assert with_buyer[1][-1] == "'=cmd|' /C calc'!A0"
    narrow = shop.with_scopes(["orders:read"])
    assert _sheet(export_pii_page(narrow, {"status": "paid"}))[1][-3:] == [None, None, None]
    declared = {r.path: r.scope for r in routes()}
    assert declared["/export-buyers"] == "orders:pii" and declared["/export"] == "orders:read"


def test_the_csv_export_is_in_chinese_and_refuses_bad_dates(shop: FakeShop) -> None:
    shop.add_order([(1, 1)], status="paid")
    out = export_page(shop, {"format": "csv"}, language="zh-CN")
    assert isinstance(out, ResultFile) and out.filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(out.data.decode("utf-8-sig"))))
    assert rows[0][0] == "订单号" and rows[1][1] == "已付款"
    refused = export_page(shop, {"placed_from": "2026-13-01"})
    assert isinstance(refused, SafeHtml) and "2026-12-01" in refused.html
