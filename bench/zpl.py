"""ZPL: 10,000 labels as one ZPL file vs a bare f-string template of the same fields.

Ours is ``plugins.label_printing.zpl.render_labels`` (``^FH`` escaping of every field,
wrapping of Chinese addresses, boxes, Code 128 and QR). The baseline is one f-string per
label with the same commands and fields, unescaped and unwrapped (what a quick script
would write). Rounds interleave; the figure is the ratio of throughputs (bare median time over ours): above 1 means ours is faster.

Run: ``.venv/bin/python bench/zpl.py [LABELS]``. Last line: ``zpl: ratio R (tanzi/bare)``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

import harness

from plugins.label_printing import zpl
from plugins.label_printing.model import Label
from tests.plugins.label_samples import sample_labels

LABELS = int(sys.argv[1]) if len(sys.argv) > 1 else harness.size(10_000, 50)
ROUNDS = harness.rounds(5)


def bare(labels: Sequence[Label]) -> str:
    """The same fields through one f-string per label."""
    parts = []
    for lb in labels:
        items = "".join(
            f"^FO35,{960 + 28 * i}^AJN,22,22^FD{it.title} x{it.quantity}^FS"
            for i, it in enumerate(lb.items)
        )
        parts.append(
            f"^XA\n^CI28\n^CWJ,E:ANMDS.TTF\n^PW812\n^LL1218\n^LH0,0\n"
            f"^FO20,20^GB772,1178,3^FS\n"
            f"^FO35,40^AJN,36,36^FD{lb.carrier_name}^FS\n"
            f"^FO406,48^AJN,24,24^FD订单 {lb.order_no}^FS\n"
            f"^FO20,100^GB772,0,3^FS\n^FO35,115^AJN,80,80^FD{lb.routing_code}^FS\n"
            f"^FO532,130^AJN,50,50^FD{lb.sort_code}^FS\n^FO20,215^GB772,0,3^FS\n"
            f"^BY3,3,130^FO60,235^BCN,130,N,N,N,A^FD{lb.waybill_no}^FS\n"
            f"^FO60,375^A0N,34,30^FD{lb.waybill_no}^FS\n^FO20,425^GB772,0,3^FS\n"
            f"^FO25,430^AJN,54,54^FD收^FS\n"
            f"^FO90,435^AJN,34,34^FD{lb.recipient.name}  {lb.recipient.phone}^FS\n"
            f"^FO90,485^AJN,34,34^FD{lb.recipient.address}^FS\n^FO20,620^GB772,0,3^FS\n"
            f"^FO25,625^AJN,44,44^FD寄^FS\n"
            f"^FO90,630^AJN,24,24^FD{lb.sender.name}  {lb.sender.phone}^FS\n"
            f"^FO90,660^AJN,24,24^FD{lb.sender.address}^FS\n^FO20,740^GB772,0,3^FS\n"
            f"^FO542,750^BQN,2,7^FDMA,{lb.waybill_no}^FS\n{items}\n^PQ1,0,1,Y\n^XZ\n"
        )
    return "".join(parts)


def distinct_recipients(labels: Sequence[Label]) -> list[Label]:
    """Every label to its own address (a room number of its own), as in a real batch: the
    renderer's wrap cache then helps only with what truly repeats (sender, item titles)."""
    return [
        replace(
            label, recipient=replace(label.recipient, address=f"{label.recipient.address}{i}房")
        )
        for i, label in enumerate(labels)
    ]


def timed(render: Callable[[Sequence[Label]], str], labels: Sequence[Label]) -> float:
    start = time.perf_counter()
    text = render(labels)
    elapsed = time.perf_counter() - start
    assert text.count("^XZ") == len(labels)
    return elapsed


def main() -> None:
    labels = distinct_recipients(sample_labels(LABELS))
    ours: list[float] = []
    base: list[float] = []
    for _ in range(ROUNDS):
        ours.append(timed(zpl.render_labels, labels))
        base.append(timed(bare, labels))
    t_ours, t_base = harness.median(ours), harness.median(base)
    print(f"{LABELS} labels, {ROUNDS} round(s), one ZPL file each")
    print(f"tanzi: {t_ours:.3f} s, {LABELS / t_ours:.0f} labels/s")
    print(f"bare:  {t_base:.3f} s, {LABELS / t_base:.0f} labels/s")
    print(harness.ratio_line("zpl", t_base / t_ours, "tanzi/bare"))


if __name__ == "__main__":
    main()
