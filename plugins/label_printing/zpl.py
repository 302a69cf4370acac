"""ZPL II for 4x6 in (102x152 mm) thermal printers at 203 dpi: one ``^XA..^XZ`` per label.

Field data is UTF-8 (``^CI28``) and written through ``^FH`` so a ``^`` or ``~`` in a name
cannot end the field or start a command. Chinese text uses the printer's CJK font, loaded
as font ``J`` (``^CW``); the waybill is Code 128 (``^BC``, automatic subsets) and a QR code
(``^BQ``, error correction M).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from plugins.label_printing.model import Label, Party

DPI = 203
#: 4 in x 6 in at 203 dpi
WIDTH_DOTS = 812
HEIGHT_DOTS = 1218
#: the CJK font on the printer (Zebra's Simplified Chinese option); loaded as font J
CJK_FONT = "E:ANMDS.TTF"
MARGIN = 20


_SPECIAL = re.compile(r"[_^~\r\n]")
#: runs of characters narrower than a CJK one (below U+2E80)
_NARROW = re.compile("[\x00-\u2e7f]+")


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


def _width(text: str, size: int) -> int:
    """Dots ``text`` takes: a CJK character is ``size`` wide, others half."""
    wide = len(_NARROW.sub("", text))
    return wide * size + (len(text) - wide) * (size // 2)


@lru_cache(maxsize=4096)
def _wrap(text: str, width_dots: int, size: int, max_lines: int) -> tuple[str, ...]:
    """Lines of ``text`` that fit ``width_dots`` (at least one character a line); cached,
    since the sender's address and the items' titles repeat across a batch."""
    if not text:
        return ()
    if _width(text, size) <= width_dots:
        return (text,)
    lines: list[str] = []
    start = 0
    while start < len(text) and len(lines) < max_lines:
        # the longest line from ``start`` that fits: binary search on its end
        low, high = start + 1, len(text)
        while low < high:
            middle = (low + high + 1) // 2
            if _width(text[start:middle], size) <= width_dots:
                low = middle
            else:
                high = middle - 1
        lines.append(text[start:low])
        start = low
    return tuple(lines)


def _party(out: list[str], mark: str, party: Party, y: int, size: int, lines: int) -> int:
    left = MARGIN + 70
    out.append(
        f"^FO{MARGIN + 5},{y + 5}^AJN,{size + 20},{size + 20}^FH_^FD{mark}^FS\n"
        f"^FO{left},{y + 10}^AJN,{size},{size}^FH_^FD"
        f"{field_data(party.name)}  {field_data(party.phone)}^FS"
    )
    y += 10 + size + 6
    for line in _wrap(party.address, WIDTH_DOTS - left - MARGIN, size, lines):
        out.append(f"^FO{left},{y}^AJN,{size},{size}^FH_^FD{field_data(line)}^FS")
        y += size + 6
    return y + 10


_INNER = WIDTH_DOTS - 2 * MARGIN
_HEAD = (
    f"^XA\n^CI28\n^CWJ,{CJK_FONT}\n^PW{WIDTH_DOTS}\n^LL{HEIGHT_DOTS}\n^LH0,0\n"
    f"^FO{MARGIN},{MARGIN}^GB{_INNER},{HEIGHT_DOTS - 2 * MARGIN},3^FS\n"
)


def _rule(y: int) -> str:
    return f"^FO{MARGIN},{y}^GB{_INNER},0,3^FS"


def render_label(label: Label) -> str:
    """One label as a ``^XA..^XZ`` block."""
    waybill = field_data(label.waybill_no)
    y = MARGIN + 80
    out = [
        _HEAD
        + f"^FO{MARGIN + 15},{MARGIN + 20}^AJN,36,36^FH_^FD{field_data(label.carrier_name)}^FS\n"
        f"^FO{WIDTH_DOTS // 2},{MARGIN + 28}^AJN,24,24^FH_^FD订单 {field_data(label.order_no)}^FS\n"
        f"{_rule(y)}\n"
        f"^FO{MARGIN + 15},{y + 15}^AJN,80,80^FH_^FD{field_data(label.routing_code)}^FS"
    ]
    if label.sort_code:
        out.append(_text(WIDTH_DOTS - MARGIN - 260, y + 30, 50, label.sort_code))
    y += 115
    module = 3 if len(label.waybill_no) <= 16 else 2
    out.append(
        f"{_rule(y)}\n"
        f"^BY{module},3,130^FO{MARGIN + 40},{y + 20}^BCN,130,N,N,N,A^FH_^FD{waybill}^FS\n"
        f"^FO{MARGIN + 40},{y + 160}^A0N,34,30^FH_^FD{waybill}^FS"
    )
    y += 210
    out.append(_rule(y))
    y = _party(out, "收", label.recipient, y, 34, 3)
    out.append(_rule(y))
    y = _party(out, "寄", label.sender, y, 24, 2)
    out.append(_rule(y))
    qr_x = WIDTH_DOTS - MARGIN - 250
    out.append(f"^FO{qr_x},{y + 10}^BQN,2,7^FH_^FDMA,{waybill}^FS")
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
    out.append("^PQ1,0,1,Y\n^XZ\n")
    return "\n".join(out)


def render_labels(labels: Iterable[Label]) -> str:
    """One ZPL file with a block per label, in the order given."""
    return "".join(render_label(label) for label in labels)
