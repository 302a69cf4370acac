"""plugins/batch_orders' ship sheet (批量发货) on the SDK's ``FakeShop``: good rows ship,
each bad row is reported with its row, column, value and reason in the merchant's
language, the same sheet uploaded again changes nothing, a killed worker resumes without
shipping twice, and XLSX sheets with Chinese headers read like CSV ones."""

from __future__ import annotations

import io

import openpyxl
import pytest

from plugins import batch_orders as plugin
from plugins.batch_orders.ship_sheet import SheetRefused, read_ship_sheet
from plugins.batch_orders.shipping import carrier_code
from sdk.testing import FakeShop

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def shop() -> FakeShop:
    shop = FakeShop.for_manifest(plugin.manifest, seed=False)
    shop.register_job_kinds(plugin.register_job_kinds())
    shop.add_product("Tea", [("T-1", {}, 1000, 50)])
    return shop


def _orders(shop: FakeShop, *statuses: str) -> list[int]:
    return [shop.add_order([(1, 1)], status=s).id for s in statuses]


def _csv(rows: list[list[str]], header: str = "Order number,Carrier,Waybill") -> bytes:
    return (header + "\n" + "\n".join(",".join(r) for r in rows) + "\n").encode("utf-8")


def _ship(shop: FakeShop, data: bytes, *, language: str = "en", **kind: str) -> int:
    file_id = shop.add_upload("ship.csv", data, **kind).id
    job = shop.jobs.start("ship", {"file_id": file_id, "language": language})
    assert shop.run_jobs()[job.id] == "succeeded", shop.job_rows[job.id]
    return job.id


def test_good_rows_ship_and_every_bad_row_is_reported(shop: FakeShop) -> None:
    paid, paid2, unpaid, shipped, cancelled, paid3 = _orders(
        shop, "paid", "paid", "pending_payment", "paid", "cancelled", "paid"
    )
    shop.add_shipment(shipped, carrier_code="SF", waybill_no="SF111111111111")
    sheet = _csv(
        [
            [str(paid), "顺丰速运", "SF 1234-5678-9012"],
            [str(paid2), "zto", "773012345678"],
            ["99999", "SF", "SF222222222222"],
            [str(unpaid), "SF", "SF333333333333"],
            [str(shipped), "SF", "SF444444444444"],
            [str(cancelled), "SF", "SF555555555555"],
            [str(paid), "SF", ""],
            ["abc", "SF", "SF666666666666"],
            [str(paid3), "Pigeon Post", "PP1"],
        ]
    )
    job_id = _ship(shop, sheet)
    assert shop.orders.get(paid).status == "shipped"
    assert shop.orders.get(paid2).status == "shipped"
    assert [s.waybill_no for s in shop.logistics.shipments(order_id=paid)] == ["SF123456789012"]
    assert shop.orders.get(unpaid).status == "pending_payment"
    counts = shop.job_rows[job_id]["counts"]
    assert counts["shipped"] == 2
    refused = {r.row: r for r in shop.refused_rows(job_id)}
    assert sorted(refused) == [3, 4, 5, 6, 7, 8, 9]
    assert (refused[3].column, refused[3].value) == ("Order number", "99999")
    assert "no order" in refused[3].reason
    assert "not paid" in refused[4].reason
    assert "SF111111111111" in refused[5].reason  # already shipped with another waybill
    assert "cancelled" in refused[6].reason
    assert (refused[7].column, refused[7].reason) == (
        "Waybill number",
        "The waybill number is empty.",
    )
    assert refused[8].reason == "This is not an order number."
    assert (refused[9].column, refused[9].value) == ("Carrier", "Pigeon Post")
    assert "carrier" in refused[9].reason
    assert shop.orders.get(paid3).status == "paid"


def test_the_same_sheet_again_changes_nothing(shop: FakeShop) -> None:
    first, second = _orders(shop, "paid", "paid")
    sheet = _csv([[str(first), "SF", "SF100000000001"], [str(second), "SF", "SF100000000002"]])
    _ship(shop, sheet)
    again = _ship(shop, sheet)
    assert shop.job_rows[again]["counts"].get("unchanged") == 2
    assert shop.refused_rows(again) == []
    assert len(shop.shipment_rows) == 2
    assert len(shop.called("logistics.create_shipment")) == 2


def test_reasons_and_columns_come_in_chinese(shop: FakeShop) -> None:
    (unpaid,) = _orders(shop, "pending_payment")
    sheet = _csv([[str(unpaid), "SF", "SF100000000009"]], header="订单号,快递公司,运单号")
    job_id = _ship(shop, sheet, language="zh-CN")
    (row,) = shop.refused_rows(job_id)
    assert (row.row, row.column, row.value) == (1, "订单号", str(unpaid))
    assert row.reason == "订单尚未付款，不能发货。"  # noqa: RUF001


def test_an_xlsx_sheet_with_chinese_headers_and_numeric_cells_ships(shop: FakeShop) -> None:
    (paid,) = _orders(shop, "paid")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["备注", "快递单号", "订单编号", "物流公司"])
    sheet.append(["fragile", 773012345678, float(paid), "中通"])
    out = io.BytesIO()
    book.save(out)
    job_id = _ship(shop, out.getvalue(), content_type=XLSX)
    assert shop.refused_rows(job_id) == []
    (parcel,) = shop.logistics.shipments(order_id=paid)
    assert (parcel.carrier_code, parcel.waybill_no) == ("ZTO", "773012345678")


def test_a_sheet_without_the_columns_is_refused_whole(shop: FakeShop) -> None:
    (paid,) = _orders(shop, "paid")
    job_id = _ship(shop, _csv([[str(paid), "SF"]], header="order,carrier"))
    (row,) = shop.refused_rows(job_id)
    assert row.row == 0 and "Waybill number" in row.reason
    assert shop.orders.get(paid).status == "paid"
    with pytest.raises(SheetRefused):
        read_ship_sheet(io.BytesIO(b"%PDF-1.4 not a sheet"))


def test_a_killed_worker_resumes_without_shipping_twice(shop: FakeShop) -> None:
    ids = _orders(shop, *["paid"] * 250)
    sheet = _csv([[str(i), "SF", f"SF{700000000000 + i}"] for i in ids])
    file_id = shop.add_upload("ship.csv", sheet).id
    job = shop.jobs.start("ship", {"file_id": file_id})
    assert shop.run_jobs(stop_after=1)[job.id] == "killed"
    shipped_before = len(shop.shipment_rows)
    assert 0 < shipped_before < 250
    assert shop.run_jobs()[job.id] == "succeeded"
    assert len(shop.shipment_rows) == 250
    assert len(shop.called("logistics.create_shipment")) == 250
    assert shop.job_rows[job.id]["counts"]["shipped"] == 250


def test_a_gb18030_csv_reads_like_utf8() -> None:
    data = "订单号,快递公司,运单号\n12,顺丰,SF123456789012\n".encode("gb18030")
    (row,) = list(read_ship_sheet(io.BytesIO(data)))
    assert (row.order, carrier_code(row.carrier), row.waybill) == ("12", "SF", "SF123456789012")
