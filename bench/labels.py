"""Labels: 10,000 shipping labels as one PDF vs bare reportlab drawing the same pages.

Ours is ``plugins.label_printing.pdf.render_labels`` (the layout, wrapping of Chinese
addresses, Code 128, a QR code encoded by zxing-cpp and drawn as one path). The baseline is the
same page drawn with reportlab's own calls alone, the way its manual shows: ``drawString``
in the same ``STSong-Light`` CID font, the same Code 128 widget, and reportlab's
``QrCodeWidget`` rendered through a ``Drawing``, without wrapping (one line per address).
Both write one PDF into memory; the rounds interleave; the ratio is of throughputs (bare
median time over ours: above 1, ours is faster). Peak memory is measured in separate passes
(tracemalloc slows what it watches): ours at the full count, both sides at up to 1,000.

Run: ``.venv/bin/python bench/labels.py [LABELS]``. Last line:
``labels: ratio R (tanzi/bare)``.
"""

from __future__ import annotations

import io
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence

import harness
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode import code128
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from plugins.label_printing import pdf
from plugins.label_printing.fonts import CJK, MONO, register
from plugins.label_printing.model import Label
from tests.plugins.label_samples import sample_labels

LABELS = int(sys.argv[1]) if len(sys.argv) > 1 else harness.size(10_000, 20)
ROUNDS = harness.rounds(1)


def bare(labels: Sequence[Label]) -> bytes:
    """The same pages with reportlab's calls only."""
    register()
    out = io.BytesIO()
    c = Canvas(out, pagesize=(100 * mm, 150 * mm), pageCompression=1)
    for label in labels:
        c.rect(3 * mm, 3 * mm, 94 * mm, 144 * mm)
        c.setFont(CJK, 11)
        c.drawString(5 * mm, 140 * mm, label.carrier_name)
        c.setFont(CJK, 8)
        c.drawRightString(95 * mm, 140 * mm, f"订单 {label.order_no}")
        c.line(3 * mm, 137 * mm, 97 * mm, 137 * mm)
        c.setFont(CJK, 22)
        c.drawString(5 * mm, 127 * mm, label.routing_code)
        c.setFont(CJK, 14)
        c.drawRightString(95 * mm, 127 * mm, label.sort_code)
        c.line(3 * mm, 123 * mm, 97 * mm, 123 * mm)
        barcode = code128.Code128(label.waybill_no, barWidth=0.33 * mm, barHeight=16 * mm)
        barcode.drawOn(c, (100 * mm - barcode.width) / 2, 104 * mm)
        c.setFont(MONO, 11)
        c.drawCentredString(50 * mm, 99.5 * mm, label.waybill_no)
        c.line(3 * mm, 97 * mm, 97 * mm, 97 * mm)
        for mark, party, size, y in (("收", label.recipient, 11, 90), ("寄", label.sender, 8, 66)):
            c.setFont(CJK, size + 6)
            c.drawString(5 * mm, (y - 2) * mm, mark)
            c.setFont(CJK, size)
            c.drawString(13 * mm, y * mm, f"{party.name}  {party.phone}")
            c.drawString(13 * mm, (y - 5) * mm, party.address)
        widget = QrCodeWidget(label.waybill_no, barLevel="M", barBorder=2)
        x0, y0, x1, y1 = widget.getBounds()
        side = 30 * mm
        drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
        drawing.add(widget)
        renderPDF.draw(drawing, c, 66 * mm, 5 * mm)
        c.setFont(CJK, 7.5)
        y = 55 * mm
        for item in label.items:
            c.drawString(5 * mm, y, f"{item.title} x{item.quantity}")
            y -= 3.4 * mm
        c.showPage()
    c.save()
    return out.getvalue()


def timed(render: Callable[[Sequence[Label]], bytes], labels: Sequence[Label]) -> float:
    start = time.perf_counter()
    document = render(labels)
    elapsed = time.perf_counter() - start
    assert document.startswith(b"%PDF")
    return elapsed


def peak_mib(render: Callable[[Sequence[Label]], bytes], labels: Sequence[Label]) -> float:
    tracemalloc.start()
    render(labels)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    labels = sample_labels(LABELS)
    register()
    ours: list[float] = []
    base: list[float] = []
    for _ in range(ROUNDS):
        ours.append(timed(pdf.render_labels, labels))
        base.append(timed(bare, labels))
    t_ours, t_base = harness.median(ours), harness.median(base)
    memory_n = min(LABELS, 1000)
    print(f"{LABELS} labels, {ROUNDS} round(s), one PDF each")
    print(f"tanzi: {t_ours:.2f} s, {LABELS / t_ours:.0f} labels/s")
    print(f"bare:  {t_base:.2f} s, {LABELS / t_base:.0f} labels/s")
    print(f"peak memory for {LABELS} labels: tanzi {peak_mib(pdf.render_labels, labels):.1f} MiB")
    print(
        f"peak memory for {memory_n} labels: tanzi {peak_mib(pdf.render_labels, labels[:memory_n]):.1f} MiB, "
        f"bare {peak_mib(bare, labels[:memory_n]):.1f} MiB"
    )
    print(harness.ratio_line("labels", t_base / t_ours, "tanzi/bare"))


if __name__ == "__main__":
    main()
