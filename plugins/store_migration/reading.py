"""Open an uploaded file as rows, streaming: size limit, type check, encoding, delimiter.

Only the first :data:`SNIFF_BYTES` are looked at to recognise the file (what it really is,
its encoding, its delimiter); the rest is read as the parser asks for rows, so a file of
any length never sits in memory. A file that cannot be imported raises
:class:`FileRefused` with a reason code of :mod:`.messages`.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from charset_normalizer import from_bytes

#: The largest file an import reads (bytes): a 2 GB CSV is refused before a row is read.
MAX_FILE_BYTES = 512 * 1024 * 1024
#: How much of the file decides its type, encoding and delimiter.
SNIFF_BYTES = 256 * 1024
#: The longest cell (characters): product descriptions in HTML can be long.
MAX_CELL_CHARS = 1024 * 1024

csv.field_size_limit(max(csv.field_size_limit(), MAX_CELL_CHARS))

_MAGIC = {
    b"PK\x03\x04": "zip",
    b"%PDF": "pdf",
    b"\x89PNG": "png",
    b"\xff\xd8\xff": "jpeg",
    b"GIF8": "gif",
    b"\xd0\xcf\x11\xe0": "xls",
    b"\x1f\x8b": "gzip",
}
_CHINESE = {"gb2312", "gbk", "gb18030", "hz", "big5", "cp936"}


class FileRefused(Exception):
    """The file as a whole cannot be imported; ``reason`` is a code of :mod:`.messages`."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Source:
    """What was recognised about a text file: its encoding and CSV delimiter."""

    encoding: str
    delimiter: str


def file_kind(head: bytes) -> str | None:
    """The binary kind of a file from its first bytes (``zip``, ``pdf``...), or ``None``."""
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            return kind
    return None


def check_size(stream: IO[bytes], limit: int = MAX_FILE_BYTES) -> None:
    """Refuse a file whose size is known and above ``limit`` before reading it."""
    size: int | None = None
    try:
        size = os.fstat(stream.fileno()).st_size
    except (AttributeError, OSError, io.UnsupportedOperation):
        if stream.seekable():
            here = stream.tell()
            size = stream.seek(0, io.SEEK_END) - here
            stream.seek(here)
    if size is not None and size > limit:
        raise FileRefused("file_too_large", f"{size} bytes > {limit}")


class LimitedReader(io.RawIOBase):
    """A stream that replays ``head`` then reads on, refusing past ``limit`` bytes."""

    def __init__(self, head: bytes, rest: IO[bytes], limit: int) -> None:
        self._head = memoryview(head)
        self._rest = rest
        self._limit = limit
        self._read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
        else:
            chunk = self._rest.read(len(buffer))
            n = len(chunk)
            buffer[:n] = chunk
        self._read += n
        if self._read > self._limit:
            raise FileRefused("file_too_large", f"more than {self._limit} bytes")
        return n


def detect_encoding(head: bytes) -> str:
    """The encoding of a text file's first bytes: UTF-8 (with or without BOM), UTF-16
    with BOM, GB18030 for Excel's Chinese saves (GBK and GB2312 are its subsets) when the
    bytes read as mostly Chinese in it, else charset-normalizer's best guess."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = codecs.getincrementaldecoder("gb18030")().decode(head, final=False)
    except UnicodeDecodeError:
        text = ""
    wide = [ch for ch in text if ord(ch) > 127]
    if wide and sum(
        "\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef"
        for ch in wide
    ) * 2 >= len(wide):
        return "gb18030"
    best = from_bytes(head).best()
    if best is not None:
        encoding = best.encoding
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except (UnicodeDecodeError, LookupError):
            pass
        else:
            return "gb18030" if encoding.replace("_", "").lower() in _CHINESE else encoding
    raise FileRefused("unknown_encoding")


def detect_delimiter(first_line: str) -> str:
    """The delimiter of a CSV header line: the most frequent of ``,``, ``;`` and tab."""
    counts = {sep: first_line.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def open_text(stream: IO[bytes], *, limit: int = MAX_FILE_BYTES) -> tuple[Source, io.TextIOWrapper]:
    """Recognise a CSV upload and return it as text, still streaming.

    Refuses an empty file, one over ``limit``, a binary file (a workbook, a PDF, an image
    named ``.csv``) and one whose encoding is unknown.
    """
    check_size(stream, limit)
    head = stream.read(SNIFF_BYTES)
    if not head:
        raise FileRefused("file_empty")
    kind = file_kind(head)
    utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if kind is not None or (b"\x00" in head and not utf16):
        raise FileRefused("not_csv", kind or "binary")
    encoding = detect_encoding(head)
    raw = io.BufferedReader(LimitedReader(head, stream, limit), buffer_size=64 * 1024)
    text = io.TextIOWrapper(raw, encoding=encoding, newline="", errors="strict")
    first = head.decode(encoding, errors="ignore").lstrip("\ufeff").split("\n", 1)[0]
    return Source(encoding=encoding, delimiter=detect_delimiter(first)), text


class Record(dict[str, str]):
    """One data row: its cells by column name, and its ``row`` number as a spreadsheet
    shows it (the header is row 1). A column the file lacks reads as ``""``."""

    __slots__ = ("row",)

    def __init__(self, cells: dict[str, str], row: int) -> None:
        super().__init__(cells)
        self.row = row

    def __missing__(self, column: str) -> str:
        return ""

    #: ``record.get(column)``: the cell, ``""`` when the file lacks the column (a plain
    #: dict lookup, the parsers' hottest call)
    get = dict.__getitem__  # type: ignore[assignment]

    @property
    def cells(self) -> dict[str, str]:
        """The cells by column name."""
        return self


def header_key(name: str) -> str:
    """A column name compared without case, blanks or a BOM."""
    return " ".join(name.replace("\ufeff", "").split()).lower()


@dataclass(frozen=True, slots=True)
class Table:
    """An opened file: its encoding and delimiter (CSV), its column names, and its rows
    still to be read."""

    encoding: str
    delimiter: str
    columns: tuple[str, ...]
    records: Iterator[Record]


def csv_table(
    stream: IO[bytes], *, limit: int = MAX_FILE_BYTES, aliases: dict[str, str] | None = None
) -> Table:
    """Open a CSV upload: its header is read now, its rows as they are iterated."""
    source, text = open_text(stream, limit=limit)
    reader = csv.reader(text, delimiter=source.delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise FileRefused("file_empty") from None
    except (csv.Error, UnicodeDecodeError) as exc:
        raise FileRefused("bad_csv", str(exc)) from None
    names = [header_key(name) for name in header]
    if aliases:
        names = [aliases.get(name, name) for name in names]
    return Table(
        encoding=source.encoding,
        delimiter=source.delimiter,
        columns=tuple(name for name in names if name),
        records=_records(reader, names),
    )


def _records(reader: Iterator[list[str]], names: list[str]) -> Iterator[Record]:
    """Rows as :class:`Record`: empty trailing columns, short rows and blank lines are
    tolerated; quoted newlines stay in their cell."""
    row = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError:
            raise FileRefused("unknown_encoding", f"after row {row}") from None
        except csv.Error as exc:
            raise FileRefused("bad_csv", f"row {row + 1}: {exc}") from None
        row += 1
        if not any(cell.strip() for cell in cells):
            continue
        yield Record({n: c for n, c in zip(names, cells, strict=False) if n}, row)
