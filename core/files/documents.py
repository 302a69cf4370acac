"""Uploads for imports and services' result files: streamed in, limited, typed, retained.

Both go to the file store in chunks (never whole in memory) while their size is counted
and their sha256 taken; the first bytes decide the type (:mod:`sdk.sniffing`: a "CSV" that
is a ZIP or a PDF, or holds NUL bytes, is refused), and each file gets an ``expires_at``
after which :func:`core.files.service.purge_expired` removes it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, timedelta
from typing import IO, Any

from sqlmodel import Session

from core.errors import InvalidInput
from core.files.errors import FileTooLargeError, UnsupportedFileType
from core.files.service import _clean_name
from core.files.store import CHUNK_SIZE, FileStore, FileTooLarge, StagedFile, new_key
from core.models.base import utcnow
from core.models.files import FilePurpose, StoredFile
from sdk.errors import InvalidRequest
from sdk.files import RESULT_TYPES
from sdk.sniffing import XLSX, check_result_type, check_workbook, looks_like, sniff_document

#: What an import upload may be, and each type's suffix in the store.
UPLOAD_TYPES = ("text/csv", XLSX)
SUFFIXES = {
    "text/csv": ".csv",
    "text/plain": ".txt",
    "application/json": ".json",
    "application/pdf": ".pdf",
    XLSX: ".xlsx",
}
#: What an upload's name says it is, by suffix (other names say nothing).
NAMED_TYPES = {".csv": "text/csv", ".txt": "text/csv", ".tsv": "text/csv", ".xlsx": XLSX}
_TYPE_NAMES = {"text/csv": "CSV (text)", XLSX: "an XLSX workbook"}


def chunks_of(data: Iterable[bytes] | IO[bytes]) -> Iterable[bytes]:
    """Chunks from an iterable of bytes or from a binary stream read as it goes."""
    if isinstance(data, Iterable) and not hasattr(data, "read"):
        return data
    stream: Any = data
    return iter(lambda: stream.read(CHUNK_SIZE), b"")


def stage_chunks(
    store: FileStore, chunks: Iterable[bytes], *, limit: int, field: str
) -> StagedFile:
    """Write ``chunks`` to a staged file, refusing (413) past ``limit``; nothing stays."""
    staged = store.stage(limit)
    try:
        for chunk in chunks:
            staged.write(bytes(chunk))
        staged.close()
    except FileTooLarge:
        staged.discard()
        raise FileTooLargeError(limit, field=field) from None
    except BaseException:
        staged.discard()
        raise
    return staged


def _commit(
    session: Session,
    store: FileStore,
    written: list[str],
    staged: StagedFile,
    *,
    shop_id: int,
    purpose: FilePurpose,
    content_type: str,
    filename: str,
    retention_days: int,
) -> StoredFile:
    key = new_key(shop_id, SUFFIXES.get(content_type, ""))
    try:
        store.commit(staged, key)
    finally:
        staged.discard()
    written.append(key)
    row = StoredFile(
        shop_id=shop_id,
        purpose=purpose,
        storage_key=key,
        content_type=content_type,
        size=staged.size,
        sha256=staged.sha256,
        filename=_clean_name(filename),
        public=False,
        expires_at=utcnow() + timedelta(days=retention_days),
    )
    session.add(row)
    session.flush()
    return row


def save_result(
    session: Session,
    store: FileStore,
    written: list[str],
    *,
    shop_id: int,
    staged: StagedFile,
    filename: str,
    content_type: str,
    retention_days: int,
) -> StoredFile:
    """Store a staged result file of ``content_type`` (checked on its first bytes); the
    staged file is committed or removed."""
    try:
        if content_type not in RESULT_TYPES:
            raise InvalidRequest(
                f"A result file may be one of {', '.join(RESULT_TYPES)}, not {content_type}.",
                code="unsupported_file_type",
            )
        if not 1 <= retention_days <= 30:
            raise InvalidRequest("Keep a file 1 to 30 days.", code="invalid_retention")
        staged.close()
        check_result_type(staged.head, content_type)
    except InvalidRequest:
        staged.discard()
        raise
    return _commit(
        session,
        store,
        written,
        staged,
        shop_id=shop_id,
        purpose=FilePurpose.result,
        content_type=content_type,
        filename=filename,
        retention_days=retention_days,
    )


def save_upload(
    session: Session,
    store: FileStore,
    written: list[str],
    *,
    shop_id: int,
    staged: StagedFile,
    filename: str | None,
    retention_days: int,
    field: str = "file",
) -> StoredFile:
    """Keep a staged import upload when its bytes are text (CSV) or a real XLSX workbook
    that is not a zip bomb (:func:`sdk.sniffing.check_workbook`, from the zip directory),
    and they are what the file's name says; anything else is refused and nothing stays."""
    staged.close()
    try:
        content_type = upload_type(staged, filename or "", field=field)
    except BaseException:
        staged.discard()
        raise
    return _commit(
        session,
        store,
        written,
        staged,
        shop_id=shop_id,
        purpose=FilePurpose.upload,
        content_type=content_type,
        filename=filename or "",
        retention_days=retention_days,
    )


def upload_type(staged: StagedFile, filename: str, *, field: str) -> str:
    """The type of a closed staged upload, from its bytes, checked against its name."""
    found = sniff_document(staged.head)
    content_type = "text/csv" if found == "text/plain" else found
    if content_type not in UPLOAD_TYPES:
        raise UnsupportedFileType(
            looks_like(staged.head) or "not text", ["CSV (text)", "XLSX"], field=field
        )
    assert content_type is not None
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    named = NAMED_TYPES.get(suffix)
    if named is not None and named != content_type:
        raise InvalidInput(
            f"The file is named {suffix} but its content is {_TYPE_NAMES[content_type]}.",
            code="file_name_mismatch",
            field=field,
        )
    if content_type == XLSX:
        with staged.path.open("rb") as stream:
            try:
                check_workbook(stream)
            except InvalidRequest as exc:
                raise InvalidInput(str(exc), code=exc.code, field=field) from None
    return content_type


def file_expired(row: StoredFile) -> bool:
    """Whether the file's retention has ended (it waits for the purge)."""
    if row.expires_at is None:
        return False
    ends = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
    return ends <= utcnow()
