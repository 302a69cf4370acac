"""A4 sheets for the warehouse: the pick list (拣货单) and packing slips (发货单).

The pick list sums each item across the whole selection (one row per SKU code, or per
title when a line has none), most picked first; a packing slip is one page per order.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from plugins.label_printing.fonts import register, wrap
from plugins.label_printing.model import Item, Label

PAGE_W, PAGE_H = A4
MARGIN = 15 * mm
ROW = 7 * mm


@dataclass(frozen=True, slots=True)
class PickRow:
    """One row of the pick list: an item and how many to pick across the selection."""

    sku_code: str
    title: str
    quantity: int
    orders: int


def pick_rows(labels: Iterable[Label]) -> list[PickRow]:
    """Items summed across the labels, by SKU code (title when none); most picked first."""
    first: dict[str, Item] = {}
    quantity: dict[str, int] = {}
    orders: dict[str, int] = {}
    for label in labels:
        keys = set()
        for item in label.items:
            key = item.sku_code or f"title:{item.title}"
            first.setdefault(key, item)
            quantity[key] = quantity.get(key, 0) + item.quantity
            keys.add(key)
        for key in keys:
            orders[key] = orders.get(key, 0) + 1
    rows = [
        PickRow(item.sku_code, item.title, quantity[key], orders[key])
        for key, item in first.items()
    ]
    return sorted(rows, key=lambda r: (-r.quantity, r.sku_code, r.title))


def render_pick_list(labels: Sequence[Label], *, title: str = "拣货单") -> bytes:
    """The pick list for the selection as an A4 PDF (rows continue on further pages)."""
    rows = pick_rows(labels)
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    font = register()
    y = _heading(canvas, font, title, f"订单数 {len(labels)}  件数 {sum(r.quantity for r in rows)}")
    columns = (MARGIN, MARGIN + 45 * mm, PAGE_W - MARGIN - 35 * mm, PAGE_W - MARGIN)
    y = _header_row(canvas, font, y, columns, ("SKU", "商品", "数量", "订单"))
    for row in rows:
        if y < MARGIN + ROW:
            canvas.showPage()
            y = _header_row(canvas, font, PAGE_H - MARGIN, columns, ("SKU", "商品", "数量", "订单"))
        canvas.setFont(font, 10)
        canvas.drawString(columns[0], y, row.sku_code)
        canvas.drawString(
            columns[1], y, wrap(row.title, font, 10, columns[2] - columns[1] - 12 * mm, 1)[0]
        )
        canvas.drawRightString(columns[2] + 12 * mm, y, str(row.quantity))
        canvas.drawRightString(columns[3], y, str(row.orders))
        y -= ROW
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def render_packing_slips(labels: Iterable[Label], *, title: str = "发货单") -> bytes:
    """One A4 packing slip per order: recipient, sender, waybill, items and quantities."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    font = register()
    for label in labels:
        y = _heading(canvas, font, title, f"订单 {label.order_no}  运单 {label.waybill_no}")
        canvas.setFont(font, 11)
        for line in (
            f"收货人: {label.recipient.name}  {label.recipient.phone}",
            *wrap(f"地址: {label.recipient.address}", font, 11, PAGE_W - 2 * MARGIN, 3),
            f"发货人: {label.sender.name}  {label.sender.phone}",
            f"承运: {label.carrier_name}",
        ):
            canvas.drawString(MARGIN, y, line)
            y -= ROW
        columns = (MARGIN, MARGIN + 45 * mm, PAGE_W - MARGIN - 20 * mm, PAGE_W - MARGIN)
        y = _header_row(canvas, font, y - 3 * mm, columns, ("SKU", "商品", "", "数量"))
        for item in _items(label.items):
            if y < MARGIN + ROW:
                canvas.showPage()
                y = PAGE_H - MARGIN
            canvas.setFont(font, 10)
            canvas.drawString(columns[0], y, item.sku_code)
            canvas.drawString(
                columns[1], y, wrap(item.title, font, 10, columns[2] - columns[1], 1)[0]
            )
            canvas.drawRightString(columns[3], y, str(item.quantity))
            y -= ROW
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def _items(items: Iterable[Item]) -> list[Item]:
    return [item for item in items if item.quantity > 0]


def _heading(canvas: Canvas, font: str, title: str, subtitle: str) -> float:
    canvas.setFont(font, 18)
    canvas.drawString(MARGIN, PAGE_H - MARGIN - 6 * mm, title)
    canvas.setFont(font, 10)
    canvas.drawRightString(PAGE_W - MARGIN, PAGE_H - MARGIN - 6 * mm, subtitle)
    return PAGE_H - MARGIN - 18 * mm


def _header_row(
    canvas: Canvas, font: str, y: float, columns: tuple[float, ...], names: tuple[str, ...]
) -> float:
    canvas.setFont(font, 10)
    canvas.drawString(columns[0], y, names[0])
    canvas.drawString(columns[1], y, names[1])
    canvas.drawRightString(columns[2] + 12 * mm, y, names[2])
    canvas.drawRightString(columns[3], y, names[3])
    canvas.line(MARGIN, y - 2 * mm, PAGE_W - MARGIN, y - 2 * mm)
    return y - ROW
