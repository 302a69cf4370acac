"""Reading a ship sheet (批量发货表): one row per parcel with the order number, the carrier
and the waybill number, as CSV (UTF-8 or GB18030, as Excel in Chinese saves it) or XLSX.

Header names are matched in English and Chinese ("Order number" / "订单号", "Carrier" /
"快递公司", "Waybill" / "运单号"...), ignoring case, spaces and punctuation; other columns
are ignored. Rows are read as the file is read, never all at once.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from openpyxl import load_workbook

from sdk.importing import guess_encoding
from sdk.sniffing import looks_like
from sdk.spreadsheet import restore_cell

#: Header names (normalized: lower case, letters and digits only) of each column.
HEADERS: dict[str, frozenset[str]] = {
    "order": frozenset(
        {"order", "orderno", "ordernumber", "orderid", "订单号", "订单编号", "订单", "订单id"}
    ),
    "carrier": frozenset(
        {"carrier", "carriercode", "courier", "express", "快递公司", "物流公司", "快递", "承运商"}
    ),
    "waybill": frozenset(
        {
            "waybill",
            "waybillno",
            "waybillnumber",
            "trackingnumber",
            "trackingno",
            "运单号",
            "快递单号",
            "物流单号",
        }
    ),
}
COLUMN_ORDER = ("order", "carrier", "waybill")


class SheetRefused(Exception):
    """The whole sheet cannot be read: ``code`` is a reason of :mod:`messages`."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class ShipRow:
    """One data row (``row`` 1 = the first under the header), its cells as text."""

    row: int
    order: str
    carrier: str
    waybill: str


def header_key(name: object) -> str:
    """A header cell reduced to lower-case letters and digits (``Order No.`` -> ``orderno``)."""
    return re.sub(r"[\W_]+", "", str(name or "")).lower()


def _positions(header: list[Any]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = header_key(cell)
        for column, names in HEADERS.items():
            if key in names and column not in found:
                found[column] = index
    missing = [c for c in COLUMN_ORDER if c not in found]
    if missing:
        raise SheetRefused("missing_columns", columns=missing)
    return found


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a number Excel stored as 1.0
    return str(restore_cell(value)).strip()


def _rows(cells: Iterator[list[Any]]) -> Iterator[ShipRow]:
    """Check the header now; the data rows as they are read."""
    header = next(cells, None)
    if header is None:
        raise SheetRefused("missing_columns", columns=list(COLUMN_ORDER))
    return _data(cells, _positions(header))


def _data(cells: Iterator[list[Any]], at: dict[str, int]) -> Iterator[ShipRow]:
    for number, row in enumerate(cells, start=1):
        values = {c: _text(row[i]) if i < len(row) else "" for c, i in at.items()}
        if not any(values.values()):
            continue
        yield ShipRow(row=number, **values)


def _csv_cells(stream: IO[bytes]) -> Iterator[list[Any]]:
    head = stream.read(64 * 1024)
    stream.seek(0)
    encoding = guess_encoding(head)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="", errors="replace")
    try:
        yield from csv.reader(text)
    finally:
        text.detach()


def _xlsx_cells(stream: IO[bytes]) -> Iterator[list[Any]]:
    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:
        raise SheetRefused("unreadable") from exc
    try:
        for row in book.worksheets[0].iter_rows(values_only=True):
            yield list(row)
    finally:
        book.close()


def read_ship_sheet(stream: IO[bytes]) -> Iterator[ShipRow]:
    """The sheet's data rows; raises :class:`SheetRefused` for a file that is neither CSV
    nor XLSX or lacks one of the three columns. ``stream`` must be seekable."""
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(b"PK\x03\x04"):
        return _rows(_xlsx_cells(stream))
    if looks_like(head) is not None:
        raise SheetRefused("unreadable")
    return _rows(_csv_cells(stream))
