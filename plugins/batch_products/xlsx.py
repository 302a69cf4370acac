"""A streaming XLSX writer: one sheet, rows written as they come, constant memory.

The sheet's XML goes straight into a deflated zip member, a buffer of rows at a time, so
100,000 products never sit in memory, and the output may be a stream that cannot seek (a
result file being uploaded). Text is written as inline strings, so a cell is never a
formula whatever it holds; numbers (``int``, ``float``, ``Decimal``) are numeric cells, and
``Decimal`` ones keep two decimals on screen. Kept small and exact on purpose: the files it
writes are read back by openpyxl in the tests.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from types import TracebackType
from typing import IO, Any

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_OOXML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

_STATIC: dict[str, str] = {
    "[Content_Types].xml": (
        f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_OOXML}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_OOXML}.worksheet+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_OOXML}.styles+xml"/></Types>'
    ),
    "_rels/.rels": (
        f'{_HEAD}<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'{_HEAD}<Relationships xmlns="{_PKG_REL}">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'
    ),
    "xl/styles.xml": (
        f'{_HEAD}<styleSheet xmlns="{_MAIN}"><fonts count="1"><font><sz val="11"/>'
        '<name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill '
        'patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
        '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
        'borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" '
        'fillId="0" borderId="0" xfId="0"/><xf numFmtId="2" fontId="0" fillId="0" '
        'borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs><cellStyles count="1">'
        '<cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
    ),
}
#: Characters XML 1.0 cannot carry at all; they are dropped from text.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_FLUSH_AT = 1 << 16


def _escape(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return _ILLEGAL.sub("", text)


def column_letter(index: int) -> str:
    """The letters of the 0-based column ``index`` (0 -> ``A``, 26 -> ``AA``)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class XlsxWriter:
    """Write one sheet of rows to ``out`` (a binary stream); use as a context manager.

    ``widths`` are the columns' widths in characters. The header row (the first written) is
    frozen on screen.
    """

    def __init__(
        self, out: IO[bytes], *, sheet_name: str = "Sheet1", widths: Sequence[int] = ()
    ) -> None:
        self._zip = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED)
        self._sheet_name = sheet_name
        self._letters: list[str] = []
        self._row = 0
        self._buffer: list[str] = []
        self._size = 0
        self._stream = self._zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
            for i, w in enumerate(widths, start=1)
        )
        self._stream.write(
            (
                f'{_HEAD}<worksheet xmlns="{_MAIN}"><sheetViews><sheetView workbookViewId="0">'
                '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                f"</sheetView></sheetViews>{f'<cols>{cols}</cols>' if cols else ''}<sheetData>"
            ).encode()
        )

    def _refs(self, count: int) -> list[str]:
        while len(self._letters) < count:
            self._letters.append(column_letter(len(self._letters)))
        return self._letters

    def write_row(self, values: Sequence[Any]) -> None:
        """Append one row; ``None`` and ``""`` leave the cell empty."""
        self._row += 1
        r = str(self._row)
        refs = self._refs(len(values))
        cells = []
        for i, value in enumerate(values):
            if value is None or value == "":
                continue
            ref = refs[i] + r
            if isinstance(value, str):
                cells.append(
                    f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_escape(value)}</t></is></c>'
                )
            elif isinstance(value, bool):
                cells.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, Decimal):
                cells.append(f'<c r="{ref}" s="1"><v>{value}</v></c>')
            elif isinstance(value, int | float):
                cells.append(f'<c r="{ref}"><v>{value!r}</v></c>')
            else:
                cells.append(
                    f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_escape(str(value))}</t></is></c>'
                )
        line = f'<row r="{r}">{"".join(cells)}</row>'
        self._buffer.append(line)
        self._size += len(line)
        if self._size >= _FLUSH_AT:
            self._flush()

    def write_rows(self, rows: Iterable[Sequence[Any]]) -> None:
        """Append every row of ``rows``."""
        for row in rows:
            self.write_row(row)

    @property
    def rows_written(self) -> int:
        """How many rows were written (the header included)."""
        return self._row

    def _flush(self) -> None:
        if self._buffer:
            self._stream.write("".join(self._buffer).encode("utf-8", "replace"))
            self._buffer.clear()
            self._size = 0

    def close(self) -> None:
        """Finish the sheet and the package (the zip's directory is written last)."""
        if self._stream.closed:
            return
        self._flush()
        self._stream.write(b"</sheetData></worksheet>")
        self._stream.close()
        name = _escape(self._sheet_name)
        workbook = (
            f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
            f'<sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        )
        for part, xml in {**_STATIC, "xl/workbook.xml": workbook}.items():
            self._zip.writestr(part, xml)
        self._zip.close()

    def __enter__(self) -> XlsxWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
