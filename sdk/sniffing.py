"""What a file's first bytes say it is; the host and the SDK's fake judge files alike.

A file is never taken for what its name or declared type says: a "CSV" that starts like a
ZIP archive or a PDF, or holds NUL bytes, is refused, and so is an "XLSX" that is not a ZIP.
"""

from __future__ import annotations

import codecs
import zipfile
from typing import IO

from sdk.errors import InvalidRequest

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT_TYPES = ("text/csv", "text/plain", "application/json")
_BINARY_STARTS = {
    b"PK\x03\x04": "a ZIP archive (XLSX?)",
    b"%PDF-": "a PDF",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\xd0\xcf\x11\xe0": "an old Excel (XLS) file",
    b"\x1f\x8b": "a gzip archive",
}
_IMAGES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
#: The parts every XLSX workbook holds.
WORKBOOK_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
#: The most a workbook may unpack to (bytes), in all.
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
#: The highest ratio of a part's unpacked to packed size (XML compresses about 10:1).
MAX_RATIO = 200
#: The most parts a workbook may hold.
MAX_PARTS = 10_000


def looks_like(head: bytes) -> str | None:
    """A short name for binary content ``head`` begins, or ``None`` for possible text."""
    for start, name in _BINARY_STARTS.items():
        if head.startswith(start):
            return name
    if b"\x00" in head:
        return "binary data"
    return None


def is_text(head: bytes) -> bool:
    """Whether ``head`` reads as UTF-8 (BOM or not) or GB18030 text without NUL bytes."""
    if looks_like(head) is not None:
        return False
    for name in ("utf-8-sig", "gb18030"):
        try:
            codecs.getincrementaldecoder(name)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return True
    return False


def sniff_document(head: bytes) -> str | None:
    """``XLSX`` for a ZIP, ``application/pdf``, ``text/plain`` for text, else ``None``."""
    if head.startswith(b"PK\x03\x04"):
        return XLSX
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return "text/plain" if is_text(head) else None


def check_result_type(head: bytes, content_type: str) -> None:
    """Refuse (``unsupported_file_type``) bytes that are not of ``content_type``."""
    found = sniff_document(head)
    ok = (found == content_type) or (found == "text/plain" and content_type in TEXT_TYPES)
    if not ok:
        what = looks_like(head) or "text" if found == "text/plain" else looks_like(head)
        raise InvalidRequest(
            f"The file is not {content_type}: its first bytes look like {what or 'something else'}.",
            code="unsupported_file_type",
        )


def sniff_image(head: bytes) -> str:
    """The image type of ``head`` (JPEG, PNG, WebP) or ``unsupported_file_type``."""
    for start, name in _IMAGES.items():
        if head.startswith(start):
            return name
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    raise InvalidRequest(
        f"The file is not a JPEG, PNG or WebP image ({looks_like(head) or 'unknown'}).",
        code="unsupported_file_type",
    )


def check_workbook(stream: IO[bytes]) -> None:
    """Refuse a seekable ``stream`` that is not a real XLSX workbook (``not_xlsx``: not a
    ZIP, a damaged one, or one without ``[Content_Types].xml`` and ``xl/workbook.xml``) or
    that is a zip bomb (``zip_bomb``: too many parts, a part unpacking over
    :data:`MAX_RATIO` times its packed size, or :data:`MAX_UNPACKED_BYTES` in all).

    Only the ZIP's central directory is read, never a part, so a bomb costs nothing to
    refuse. The stream is left at its start."""
    stream.seek(0)
    if not stream.read(4).startswith(b"PK\x03\x04"):
        stream.seek(0)
        raise InvalidRequest("The file is not an XLSX workbook (not a ZIP).", code="not_xlsx")
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        stream.seek(0)
        raise InvalidRequest("The XLSX workbook is damaged.", code="not_xlsx") from None
    stream.seek(0)
    if len(infos) > MAX_PARTS:
        raise InvalidRequest(
            f"The workbook has {len(infos)} parts (at most {MAX_PARTS}): refused as a zip bomb.",
            code="zip_bomb",
        )
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise InvalidRequest(
                f"The workbook's part {info.filename} would unpack {info.file_size} bytes from "
                f"{info.compress_size}: refused as a zip bomb.",
                code="zip_bomb",
            )
    if total > MAX_UNPACKED_BYTES:
        raise InvalidRequest(
            f"The workbook would unpack to {total} bytes (at most {MAX_UNPACKED_BYTES}): "
            "refused as a zip bomb.",
            code="zip_bomb",
        )
    names = {info.filename for info in infos}
    missing = [part for part in WORKBOOK_PARTS if part not in names]
    if missing:
        raise InvalidRequest(
            f"The file is a ZIP but not an XLSX workbook (it has no {missing[0]}).",
            code="not_xlsx",
        )
