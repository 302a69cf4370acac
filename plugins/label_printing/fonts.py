"""The fonts the PDFs use: reportlab's built-in ``STSong-Light`` CID font (no font files)."""

from __future__ import annotations

from functools import lru_cache

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont

#: Chinese and Latin text (Adobe-GB1, shipped with reportlab; needs no internet)
CJK = "STSong-Light"
#: monospaced figures under the barcode
MONO = "Courier-Bold"


@lru_cache(maxsize=1)
def register() -> str:
    """Register the CID font once per process; returns its name."""
    pdfmetrics.registerFont(UnicodeCIDFont(CJK))
    return CJK


def wrap(text: str, font: str, size: float, width: float, max_lines: int) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` points, character by character
    (Chinese has no spaces); the last kept line ends with an ellipsis when text is cut."""
    lines: list[str] = []
    line = ""
    used = 0.0
    for char in text:
        w = pdfmetrics.stringWidth(char, font, size)
        if line and used + w > width:
            lines.append(line)
            line, used = "", 0.0
        line += char
        used += w
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][:-1] + "…"
    return lines
