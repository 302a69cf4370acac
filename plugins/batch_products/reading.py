"""Read an edited batch sheet back, XLSX or CSV, a row at a time.

The format is told by the file's bytes, not its name: a zip is an XLSX workbook (checked
against zip bombs before openpyxl opens it), anything else is CSV in UTF-8 (with or without
a BOM) or, failing that, GB18030 (what Excel in Chinese saves). Columns are found by their
headers in either language. A formula cell is not evaluated: it is reported as refused.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from plugins.batch_products.sheet import HEADER_KEYS, restore
from sdk.errors import InvalidRequest
from sdk.sniffing import check_workbook

REQUIRED = ("product_id", "sku_id")


class SheetRefused(ValueError):
    """The file cannot be read as a batch sheet; ``code`` names why (see messages)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class SheetRow:
    """One data row: its number in the file (the header is row 1), its cells by column key,
    and the keys of cells that held a formula."""

    number: int
    cells: dict[str, Any]
    formulas: set[str] = field(default_factory=set)


def _columns(header: list[Any]) -> dict[int, str]:
    found: dict[int, str] = {}
    for index, name in enumerate(header):
        key = HEADER_KEYS.get(str(name or "").strip().casefold())
        if key is not None and key not in found.values():
            found[index] = key
    missing = [k for k in REQUIRED if k not in found.values()]
    if missing:
        raise SheetRefused("missing_columns", columns=tuple(missing))
    return found


def _cell(value: Any) -> Any:
    return restore(value.strip()) if isinstance(value, str) else value


def _check_zip(data: IO[bytes]) -> None:
    """The SDK's check of the zip directory (the one the host runs on uploads)."""
    try:
        check_workbook(data)
    except InvalidRequest as exc:
        raise SheetRefused("zip_bomb" if exc.code == "zip_bomb" else "not_a_workbook") from None


def _xlsx_rows(data: IO[bytes]) -> Iterator[SheetRow]:
    from openpyxl import load_workbook

    _check_zip(data)
    try:
        book = load_workbook(data, read_only=True, data_only=False)
    except Exception as exc:
        raise SheetRefused("not_a_workbook") from exc
    try:
        rows = book.worksheets[0].iter_rows()
        header = next(rows, None)
        if header is None:
            raise SheetRefused("empty")
        columns = _columns([c.value for c in header])
        for number, row in enumerate(rows, start=2):
            cells: dict[str, Any] = {}
            formulas: set[str] = set()
            for index, cell in enumerate(row):
                key = columns.get(index)
                if key is None or cell.value is None:
                    continue
                if getattr(cell, "data_type", None) == "f":
                    formulas.add(key)
                cells[key] = cell.value if key in formulas else _cell(cell.value)
            if cells:
                yield SheetRow(number, cells, formulas)
    finally:
        book.close()


def _text(data: IO[bytes]) -> io.TextIOWrapper:
    sample = data.read(1 << 16)
    data.seek(0)
    encoding = "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        encoding = "gb18030"
    return io.TextIOWrapper(data, encoding=encoding, newline="")


def _csv_rows(data: IO[bytes]) -> Iterator[SheetRow]:
    text = _text(data)
    try:
        reader = csv.reader(text)
        header = next(reader, None)
        if header is None:
            raise SheetRefused("empty")
        columns = _columns(list(header))
        for number, row in enumerate(reader, start=2):
            cells = {
                key: _cell(row[i]) for i, key in columns.items() if i < len(row) and row[i].strip()
            }
            if cells:
                yield SheetRow(number, cells)
    except UnicodeDecodeError as exc:
        raise SheetRefused("bad_encoding") from exc
    except csv.Error as exc:
        raise SheetRefused("bad_csv", detail=str(exc)) from exc
    finally:
        text.detach()


def read_sheet(data: IO[bytes]) -> Iterator[SheetRow]:
    """The data rows of the sheet in ``data`` (a seekable binary stream), XLSX or CSV."""
    magic = data.read(4)
    data.seek(0)
    if magic == b"PK\x03\x04":
        return _xlsx_rows(data)
    if b"\x00" in data.read(4096):
        data.seek(0)
        raise SheetRefused("not_a_sheet")
    data.seek(0)
    return _csv_rows(data)
