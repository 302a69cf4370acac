"""100x150 mm shipping labels as one PDF for the whole selection (reportlab).

Top to bottom: carrier and order number; the routing code (大头笔) and sort code; the waybill
as Code 128 with its digits; recipient (收) with the full Chinese address; sender (寄); the
order's items beside a QR code of the waybill number.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from itertools import groupby

import zxingcpp
from reportlab.graphics.barcode import code128
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from plugins.label_printing.fonts import MONO, register, wrap
from plugins.label_printing.model import Label, Party

WIDTH = 100 * mm
HEIGHT = 150 * mm
MARGIN = 3 * mm
#: narrowest bar of the Code 128 (0.33 mm: scanners read it at 203 dpi and up)
BAR_WIDTH = 0.33 * mm
QR_SIZE = 30 * mm


def render_labels(labels: Iterable[Label]) -> bytes:
    """One PDF, one 100x150 mm page per label, in the order given."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(WIDTH, HEIGHT), pageCompression=1)
    canvas.setTitle("Shipping labels")
    font = register()
    for label in labels:
        draw_label(canvas, label, font)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def draw_label(canvas: Canvas, label: Label, font: str) -> None:
    """Draw one label on the canvas's current page."""
    inner = WIDTH - 2 * MARGIN
    canvas.setLineWidth(0.8)
    canvas.rect(MARGIN, MARGIN, inner, HEIGHT - 2 * MARGIN)
    top = HEIGHT - MARGIN

    # header: carrier, order number
    canvas.setFont(font, 11)
    canvas.drawString(MARGIN + 2 * mm, top - 7 * mm, label.carrier_name)
    canvas.setFont(font, 8)
    canvas.drawRightString(WIDTH - MARGIN - 2 * mm, top - 7 * mm, f"订单 {label.order_no}")
    top -= 10 * mm
    canvas.line(MARGIN, top, WIDTH - MARGIN, top)

    # routing code (大头笔) and sort code
    canvas.setFont(font, 22)
    canvas.drawString(MARGIN + 2 * mm, top - 10 * mm, label.routing_code)
    if label.sort_code:
        canvas.setFont(font, 14)
        canvas.drawRightString(WIDTH - MARGIN - 2 * mm, top - 10 * mm, label.sort_code)
    top -= 14 * mm
    canvas.line(MARGIN, top, WIDTH - MARGIN, top)

    # waybill: Code 128 centred, digits under it
    barcode = code128.Code128(
        label.waybill_no, barWidth=BAR_WIDTH, barHeight=16 * mm, humanReadable=False
    )
    barcode.drawOn(canvas, (WIDTH - barcode.width) / 2, top - 19 * mm)
    canvas.setFont(MONO, 11)
    canvas.drawCentredString(WIDTH / 2, top - 23.5 * mm, label.waybill_no)
    top -= 26 * mm
    canvas.line(MARGIN, top, WIDTH - MARGIN, top)

    top = _party(canvas, font, "收", label.recipient, top, size=11, lines=3)
    canvas.line(MARGIN, top, WIDTH - MARGIN, top)
    top = _party(canvas, font, "寄", label.sender, top, size=8, lines=2)
    canvas.line(MARGIN, top, WIDTH - MARGIN, top)

    # items beside the QR code of the waybill
    qr_x = WIDTH - MARGIN - QR_SIZE - 1 * mm
    qr_y = MARGIN + 2 * mm
    _qr(canvas, label.waybill_no, qr_x, qr_y)
    canvas.setFont(font, 7.5)
    text_width = qr_x - MARGIN - 4 * mm
    y = top - 4.5 * mm
    rows = [f"{item.title} x{item.quantity}" for item in label.items]
    if label.remark:
        rows.append(f"备注: {label.remark}")
    for row in rows:
        for line in wrap(row, font, 7.5, text_width, 2):
            if y < MARGIN + 3 * mm:
                return
            canvas.drawString(MARGIN + 2 * mm, y, line)
            y -= 3.4 * mm


def _party(
    canvas: Canvas, font: str, mark: str, party: Party, top: float, *, size: float, lines: int
) -> float:
    """A sender or recipient block under ``top``; returns the block's bottom."""
    left = MARGIN + 10 * mm
    canvas.setFont(font, size + 6)
    canvas.drawString(MARGIN + 2 * mm, top - 8 * mm, mark)
    canvas.setFont(font, size)
    line_height = size * 1.35
    y = top - size - 2 * mm
    canvas.drawString(left, y, f"{party.name}  {party.phone}")
    for line in wrap(party.address, font, size, WIDTH - MARGIN - 2 * mm - left, lines):
        y -= line_height
        canvas.drawString(left, y, line)
    return y - 2.5 * mm


def _qr(canvas: Canvas, value: str, x: float, y: float) -> None:
    """The value as a QR code (error correction M, 2-module quiet zone) in a ``QR_SIZE``
    square at x, y: zxing-cpp encodes it (choosing the mask the standard's penalty rules
    pick), each row's dark runs are one filled path in module units."""
    modules = qr_modules(value)
    size = len(modules)
    border = 2
    box = QR_SIZE / (size + 2 * border)
    canvas.saveState()
    canvas.translate(x + border * box, y + QR_SIZE - border * box)
    canvas.scale(box, -box)
    path = canvas.beginPath()
    for r, row in enumerate(modules):
        c = 0
        for dark, run in groupby(row):
            count = len(list(run))
            if dark:
                path.rect(c, r, count, 1)
            c += count
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


def qr_modules(value: str) -> list[bytes]:
    """The QR code's modules, one row a ``bytes`` of 1 (dark) and 0 (light), top row first."""
    image = zxingcpp.create_barcode(value, zxingcpp.BarcodeFormat.QRCode, ec_level="M").to_image(
        scale=1, add_quiet_zones=False
    )
    side = image.shape[0]
    pixels = bytes(memoryview(image)).translate(_DARK)  # type: ignore[arg-type]  # a buffer; its stub says not
    return [pixels[i : i + side] for i in range(0, side * side, side)]


#: zxing-cpp's image has 0 for dark pixels and 255 for light ones
_DARK = bytes([1] + [0] * 255)
