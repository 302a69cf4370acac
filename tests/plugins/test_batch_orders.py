"""plugins/batch_orders on the SDK's fake shop: one CSV for the whole selection, buyer
details only in the export that asks for them and only with ``orders:pii``, cells that a
spreadsheet would run neutralized."""

from __future__ import annotations

import csv
import io

import pytest

from plugins import batch_orders
from plugins.batch_orders import (
    export_orders,
    export_orders_with_buyers,
    manifest,
    neutralize,
    register_merchant_actions,
)
from sdk.errors import ScopeDenied
from sdk.testing import FakeShop


def _rows(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_export_is_one_file_for_the_selection_without_buyer_details() -> None:
    shop = FakeShop.for_manifest(manifest)
    ids = [o.id for o in shop.orders.list()]
    assert len(ids) >= 2
    out = export_orders(ids, shop)
    assert out.content_type == "text/csv" and out.filename == "orders.csv"
    rows = _rows(out.data)
    assert rows[0] == list(batch_orders.COLUMNS)
    assert [r[0] for r in rows[1:]] == [str(i) for i in ids]
    first = shop.orders.get(ids[0])
    assert first.recipient_name  # the client could see it; the plain export leaves it out
    assert all(first.recipient_name not in cell for r in rows for cell in r)
    assert out.message == f"{len(ids)} order(s) exported"


def test_buyer_details_come_with_orders_pii_and_not_without() -> None:
    shop = FakeShop.for_manifest(manifest)
    ids = [o.id for o in shop.orders.list()]
    rows = _rows(export_orders_with_buyers(ids, shop).data)
    assert rows[0][-3:] == ["recipient_name", "recipient_phone", "address"]
    order = shop.orders.get(ids[0])
    assert rows[1][-3:] == [order.recipient_name, order.recipient_phone, order.address]
    # an installation without orders:pii gets no buyer details, whatever the export asks
    narrow = shop.with_scopes(["orders:read"])
    narrow_rows = _rows(export_orders_with_buyers(ids, narrow).data)
    assert narrow_rows[1][-3:] == ["", "", ""]
    # and none at all without orders:read
    with pytest.raises(ScopeDenied):
        export_orders(ids, shop.with_scopes([]))


def test_the_buyer_export_declares_orders_pii() -> None:
    actions = {a.code: a for a in register_merchant_actions()}
    assert actions["export"].scope == "orders:read" and callable(actions["export"].run_all)
    assert actions["export_pii"].scope == "orders:pii"
    assert actions["export_pii"].run is None and callable(actions["export_pii"].run_all)


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+86 138", "'+86 138"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("浙江省杭州市", "浙江省杭州市"),
        (None, ""),
        (12, "12"),
    ],
)
def test_cells_a_spreadsheet_would_run_are_neutralized(value: object, cell: str) -> None:
    assert neutralize(value) == cell
