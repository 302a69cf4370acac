"""Read an uploaded ``.xlsx`` as rows, after checking it is a real, sane workbook.

An XLSX is a zip of XML parts. Before openpyxl opens it the zip directory is checked: it
must hold a workbook, and neither the total unpacked size nor any part's ratio of unpacked
to packed size may pass a limit, so a zip bomb is refused without unpacking it. The sheet
is read in openpyxl's read-only mode, row by row. Cells come back as text the way the CSV
parsers expect them: ``365275000000`` not ``3.65275E+11``, and a formula cell by its
cached value (a formula is never evaluated or kept).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import date, datetime
from typing import IO, Any

from openpyxl import load_workbook

from plugins.store_migration.reading import (
    MAX_FILE_BYTES,
    FileRefused,
    Record,
    Table,
    check_size,
    file_kind,
    header_key,
)
from sdk import sniffing
from sdk.errors import InvalidRequest


def check_workbook(stream: IO[bytes]) -> None:
    """Refuse a file named ``.xlsx`` that is not a workbook or that is a zip bomb (the
    SDK's check of the zip directory, the one the host runs on uploads)."""
    head = stream.read(8)
    stream.seek(0)
    if file_kind(head) != "zip":
        raise FileRefused("not_xlsx", file_kind(head) or "not a zip")
    try:
        sniffing.check_workbook(stream)
    except InvalidRequest as exc:
        raise FileRefused(exc.code, str(exc)) from None


def cell_text(value: Any) -> str:
    """A cell as the text a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e18:
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _seekable(stream: IO[bytes], limit: int) -> IO[bytes]:
    if stream.seekable():
        return stream
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    copied = 0
    while chunk := stream.read(1024 * 1024):
        copied += len(chunk)
        if copied > limit:
            raise FileRefused("file_too_large", f"more than {limit} bytes")
        spool.write(chunk)
    spool.seek(0)
    return spool


def xlsx_table(
    stream: IO[bytes], *, limit: int = MAX_FILE_BYTES, aliases: dict[str, str] | None = None
) -> Table:
    """Open the first sheet of a workbook: the first row names the columns."""
    check_size(stream, limit)
    stream = _seekable(stream, limit)
    check_workbook(stream)
    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged part
        raise FileRefused("not_xlsx", type(exc).__name__) from None
    rows = book.worksheets[0].iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        book.close()
        raise FileRefused("file_empty")
    names = [header_key(cell_text(name)) for name in header]
    if aliases:
        names = [aliases.get(name, name) for name in names]
    return Table(
        encoding="xlsx",
        delimiter="",
        columns=tuple(name for name in names if name),
        records=_records(book, rows, names),
    )


def _records(book: Any, rows: Iterator[tuple[Any, ...]], names: list[str]) -> Iterator[Record]:
    try:
        for number, row in enumerate(rows, start=2):
            cells = [cell_text(value) for value in row]
            if not any(cell.strip() for cell in cells):
                continue
            yield Record({n: c for n, c in zip(names, cells, strict=False) if n}, number)
    finally:
        book.close()
