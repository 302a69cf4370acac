"""ZPL II for 4x6 in (102x152 mm) thermal printers at 203 dpi: one ``^XA..^XZ`` per label.

Field data is UTF-8 (``^CI28``) and written through ``^FH`` so a ``^`` or ``~`` in a name
cannot end the field or start a command. Chinese text uses the printer's CJK font, loaded
as font ``J`` (``^CW``); the waybill is Code 128 (``^BC``, automatic subsets) and a QR code
(``^BQ``, error correction M).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from itertools import accumulate

from plugins.label_printing.model import Label, Party

DPI = 203
#: 4 in x 6 in at 203 dpi
WIDTH_DOTS = 812
HEIGHT_DOTS = 1218
#: the CJK font on the printer (Zebra's Simplified Chinese option); loaded as font J
CJK_FONT = "E:ANMDS.TTF"
MARGIN = 20


_SPECIAL = re.compile(r"[_^~\r\n]")


def field_data(text: str) -> str:
    """``^FH``-escaped field data: ``_``, ``^`` and ``~`` as hex, line breaks as spaces."""
    if _SPECIAL.search(text) is None:
        return text
    return (
        text.replace("_", "_5F")
        .replace("^", "_5E")
        .replace("~", "_7E")
        .replace("\r", " ")
        .replace("\n", " ")
    )


def _text(x: int, y: int, size: int, text: str) -> str:
    return f"^FO{x},{y}^AJN,{size},{size}^FH_^FD{field_data(text)}^FS"


def _wrap(text: str, width_dots: int, size: int, max_lines: int) -> list[str]:
    """Lines of ``text`` that fit ``width_dots``: a CJK character is ``size`` wide, others half."""
    half = size // 2
    ends = list(accumulate(size if char > "\u2e7f" else half for char in text))
    if not ends or ends[-1] <= width_dots:
        return [text] if text else []
    lines: list[str] = []
    start, used = 0, 0
    while start < len(text) and len(lines) < max_lines:
        stop = max(bisect_right(ends, used + width_dots, lo=start), start + 1)
        lines.append(text[start:stop])
        used, start = ends[stop - 1], stop
    return lines


def _party(out: list[str], mark: str, party: Party, y: int, size: int, lines: int) -> int:
    out.append(_text(MARGIN + 5, y + 5, size + 20, mark))
    left = MARGIN + 70
    out.append(_text(left, y + 10, size, f"{party.name}  {party.phone}"))
    y += 10 + size + 6
    for line in _wrap(party.address, WIDTH_DOTS - left - MARGIN, size, lines):
        out.append(_text(left, y, size, line))
        y += size + 6
    return y + 10


def render_label(label: Label) -> str:
    """One label as a ``^XA..^XZ`` block."""
    inner = WIDTH_DOTS - 2 * MARGIN
    out = [
        "^XA",
        "^CI28",
        f"^CWJ,{CJK_FONT}",
        f"^PW{WIDTH_DOTS}",
        f"^LL{HEIGHT_DOTS}",
        "^LH0,0",
        f"^FO{MARGIN},{MARGIN}^GB{inner},{HEIGHT_DOTS - 2 * MARGIN},3^FS",
        _text(MARGIN + 15, MARGIN + 20, 36, label.carrier_name),
        _text(WIDTH_DOTS // 2, MARGIN + 28, 24, f"订单 {label.order_no}"),
    ]
    y = MARGIN + 80
    out.append(f"^FO{MARGIN},{y}^GB{inner},0,3^FS")
    out.append(_text(MARGIN + 15, y + 15, 80, label.routing_code))
    if label.sort_code:
        out.append(_text(WIDTH_DOTS - MARGIN - 260, y + 30, 50, label.sort_code))
    y += 115
    out.append(f"^FO{MARGIN},{y}^GB{inner},0,3^FS")
    module = 3 if len(label.waybill_no) <= 16 else 2
    out.append(
        f"^BY{module},3,130^FO{MARGIN + 40},{y + 20}^BCN,130,N,N,N,A"
        f"^FH_^FD{field_data(label.waybill_no)}^FS"
    )
    out.append(f"^FO{MARGIN + 40},{y + 160}^A0N,34,30^FH_^FD{field_data(label.waybill_no)}^FS")
    y += 210
    out.append(f"^FO{MARGIN},{y}^GB{inner},0,3^FS")
    y = _party(out, "收", label.recipient, y, 34, 3)
    out.append(f"^FO{MARGIN},{y}^GB{inner},0,3^FS")
    y = _party(out, "寄", label.sender, y, 24, 2)
    out.append(f"^FO{MARGIN},{y}^GB{inner},0,3^FS")
    qr_x = WIDTH_DOTS - MARGIN - 250
    out.append(f"^FO{qr_x},{y + 10}^BQN,2,7^FH_^FDMA,{field_data(label.waybill_no)}^FS")
    row_y = y + 20
    rows = [f"{item.title} x{item.quantity}" for item in label.items]
    if label.remark:
        rows.append(f"备注: {label.remark}")
    for row in rows:
        for line in _wrap(row, qr_x - MARGIN - 30, 22, 2):
            if row_y > HEIGHT_DOTS - MARGIN - 30:
                break
            out.append(_text(MARGIN + 15, row_y, 22, line))
            row_y += 28
    out.append("^PQ1,0,1,Y")
    out.append("^XZ")
    return "\n".join(out) + "\n"


def render_labels(labels: Iterable[Label]) -> str:
    """One ZPL file with a block per label, in the order given."""
    return "".join(render_label(label) for label in labels)
