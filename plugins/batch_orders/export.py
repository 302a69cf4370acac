"""Exporting orders to a spreadsheet: XLSX (openpyxl's write-only mode, rows streamed to
the file) or CSV (UTF-8 with a BOM, so Excel reads the Chinese).

Columns: order, status, placed, paid, total, province, items, the merchant's note and
flag, and with ``with_buyer`` the recipient's name, phone and address. Every text cell
passes through :func:`sdk.spreadsheet.neutralize_cell`, so a buyer's address or a product
title written as ``=HYPERLINK(...)`` never runs as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from openpyxl import Workbook

from plugins.batch_orders.messages import status_text
from sdk.client import ShopClient
from sdk.models import Order
from sdk.spreadsheet import neutralize_row

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Orders read per list call.
PAGE = 200

HEADERS: dict[str, tuple[list[str], list[str]]] = {
    "en": (
        [
            "Order",
            "Status",
            "Placed (UTC)",
            "Paid (UTC)",
            "Total (yuan)",
            "Province",
            "Items",
            "Note",
            "Flag",
        ],
        ["Recipient", "Phone", "Address"],
    ),
    "zh_CN": (
        [
            "订单号",
            "状态",
            "下单时间 (UTC)",
            "付款时间 (UTC)",
            "实付 (元)",
            "省份",
            "商品",
            "备注",
            "旗帜",
        ],
        ["收货人", "电话", "地址"],
    ),
}


@dataclass(frozen=True)
class OrderFilter:
    """Which orders to export: a status, the days placed (UTC, both ends included), or
    the ids of a selection."""

    status: str | None = None
    placed_from: date | None = None
    placed_to: date | None = None
    ids: tuple[int, ...] = ()

    def keeps(self, order: Order) -> bool:
        """Whether ``order`` passes the filter's status and days."""
        if self.status and order.status != self.status:
            return False
        day = order.created_at.date() if order.created_at else None
        if self.placed_from and (day is None or day < self.placed_from):
            return False
        return not (self.placed_to and (day is None or day > self.placed_to))


def matching_orders(client: ShopClient, where: OrderFilter) -> Iterator[Order]:
    """The shop's orders that pass ``where``, by id, a page at a time."""
    if where.ids:
        for order_id in where.ids:
            order = client.orders.get(order_id)
            if where.keeps(order):
                yield order
        return
    after: int | None = None
    while True:
        page = client.orders.list(status=where.status or None, limit=PAGE, after_id=after)
        yield from (o for o in page if where.keeps(o))
        if len(page) < PAGE:
            return
        after = page[-1].id


def order_cells(order: Order, *, with_buyer: bool, lang: str) -> list[Any]:
    """One order's cells (numbers stay numbers; text neutralized)."""
    items = "; ".join(f"{line.title} x{line.quantity}" for line in order.lines)
    cells: list[Any] = [
        order.id,
        status_text(order.status, lang),
        order.created_at.strftime("%Y-%m-%d %H:%M") if order.created_at else "",
        order.paid_at.strftime("%Y-%m-%d %H:%M") if order.paid_at else "",
        None if order.total_fen is None else round(order.total_fen / 100, 2),
        order.province_code or "",
        items,
        order.merchant_note or "",
        order.merchant_flag or "",
    ]
    if with_buyer:
        cells += [order.recipient_name or "", order.recipient_phone or "", order.address or ""]
    return neutralize_row(cells)


def _header(lang: str, with_buyer: bool) -> list[str]:
    base, buyer = HEADERS.get(lang, HEADERS["en"])
    return base + (buyer if with_buyer else [])


def write_orders(
    orders: Iterable[Order], out: IO[bytes], *, fmt: str, with_buyer: bool, lang: str
) -> int:
    """Write ``orders`` to ``out`` as ``fmt`` (``xlsx`` or ``csv``); how many were written."""
    count = 0
    if fmt == "csv":
        text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
        writer = csv.writer(text)
        writer.writerow(_header(lang, with_buyer))
        for order in orders:
            writer.writerow(order_cells(order, with_buyer=with_buyer, lang=lang))
            count += 1
        text.flush()
        text.detach()
        return count
    book = Workbook(write_only=True)
    sheet = book.create_sheet("订单" if lang == "zh_CN" else "Orders")
    sheet.append(_header(lang, with_buyer))
    for order in orders:
        sheet.append(order_cells(order, with_buyer=with_buyer, lang=lang))
        count += 1
    book.save(out)
    return count
