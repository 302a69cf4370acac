"""Exporting the orders a merchant selected to one CSV (the whole-selection actions).

"Export orders" leaves the buyer out even when the client could see them; "Export orders
with buyer details" (which declares ``orders:pii``) adds the recipient's name, phone and
address, empty when the installation was not granted ``orders:pii``. Cells that a
spreadsheet would run as a formula are neutralized.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from sdk import ResultFile, ShopClient
from sdk.models import Order
from sdk.spreadsheet import FORMULA_STARTS

COLUMNS = ("order", "status", "total_yuan", "paid_at", "province_code", "items")
PII_COLUMNS = ("recipient_name", "recipient_phone", "address")


def neutralize(value: object) -> str:
    """The cell's text, with a leading ``'`` when a spreadsheet would run it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def order_row(order: Order, *, with_buyer: bool) -> list[str]:
    """One order's cells (buyer details only when asked for)."""
    items = "; ".join(f"{line.title} x{line.quantity}" for line in order.lines)
    total = "" if order.total_fen is None else f"{order.total_fen / 100:.2f}"
    paid = order.paid_at.isoformat() if order.paid_at else ""
    cells: list[object] = [order.id, order.status, total, paid, order.province_code, items]
    if with_buyer:
        cells += [order.recipient_name, order.recipient_phone, order.address]
    return [neutralize(c) for c in cells]


def export_csv(orders: Iterable[Order], *, with_buyer: bool) -> bytes:
    """The orders as CSV (UTF-8 with a BOM, so spreadsheet programs read the Chinese)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*COLUMNS, *(PII_COLUMNS if with_buyer else ())])
    for order in orders:
        writer.writerow(order_row(order, with_buyer=with_buyer))
    return ("\ufeff" + out.getvalue()).encode()


def _export(item_ids: list[int], client: ShopClient, *, with_buyer: bool) -> ResultFile:
    orders = [client.orders.get(i) for i in item_ids]
    return ResultFile(
        filename="orders-with-buyers.csv" if with_buyer else "orders.csv",
        content_type="text/csv",
        data=export_csv(orders, with_buyer=with_buyer),
        message=f"{len(orders)} order(s) exported",
    )


def export_orders(item_ids: list[int], client: ShopClient, settings: Any = None) -> ResultFile:
    """The selection as one CSV, without buyer details."""
    return _export(item_ids, client, with_buyer=False)


def export_orders_with_buyers(
    item_ids: list[int], client: ShopClient, settings: Any = None
) -> ResultFile:
    """The selection as one CSV with buyer details (the action needs ``orders:pii``)."""
    return _export(item_ids, client, with_buyer=True)
