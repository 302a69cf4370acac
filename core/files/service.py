"""Taking uploads into the file store: receive (streamed, limited), check, clean, record.

An upload is received into a staged file in chunks while its size is counted (a request
over the limit is refused mid-stream, and one that announces a larger ``Content-Length``
before a byte is read). Its type is sniffed from its first bytes; an image is decoded in
full and re-encoded without metadata, with a thumbnail. Only then are the bytes committed
under a key and a :class:`StoredFile` row added. Whatever fails on the way, the staged
file is removed, and :func:`written_files` removes committed bytes whose rows were not.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from sqlalchemy import or_
from sqlmodel import Session, col, select

from core.files.errors import FileTooLargeError, InvalidImage, UnsupportedFileType
from core.files.images import EncodedImage, ImageRejected, clean_image
from core.files.retention import STALE_UPLOAD_S, purge_due_files, remove_bytes
from core.files.sniff import DOCUMENT_TYPES, IMAGE_TYPES, SUFFIXES, describe, sniff
from core.files.store import (
    CHUNK_SIZE,
    FileStore,
    FileTooLarge,
    LocalFileStore,
    StagedFile,
    new_key,
)
from core.models.base import utcnow
from core.models.files import FilePurpose, StoredFile

#: File rows removed per transaction by :func:`purge_expired`.
PURGE_CHUNK = 200


def local_store(data_dir: Path) -> LocalFileStore:
    """The default store: the ``files`` folder under ``TANZI_DATA_DIR``."""
    return LocalFileStore(data_dir / "files")


async def receive(
    chunks: AsyncIterator[bytes],
    store: FileStore,
    *,
    limit: int,
    field: str,
    declared_length: int | None = None,
) -> StagedFile:
    """Stream ``chunks`` into a staged file of at most ``limit`` bytes.

    Raises :class:`FileTooLargeError` (413) as soon as the limit is passed; nothing stays.
    """
    if declared_length is not None and declared_length > limit:
        raise FileTooLargeError(limit, field=field)
    staged = store.stage(limit)
    try:
        async for chunk in chunks:
            staged.write(chunk)
    except FileTooLarge:
        staged.discard()
        raise FileTooLargeError(limit, field=field) from None
    except BaseException:
        staged.discard()
        raise
    return staged


@contextmanager
def written_files(store: FileStore) -> Iterator[list[str]]:
    """Collect the keys committed inside the block; on an error, delete their bytes."""
    keys: list[str] = []
    try:
        yield keys
    except BaseException:
        for key in keys:
            store.delete(key)
        raise


def _put_bytes(
    session: Session,
    store: FileStore,
    written: list[str],
    *,
    shop_id: int,
    data: EncodedImage,
    purpose: FilePurpose,
    filename: str,
    public: bool,
    original_id: int | None = None,
) -> StoredFile:
    staged = store.stage(len(data.data))
    try:
        for start in range(0, len(data.data), CHUNK_SIZE):
            staged.write(data.data[start : start + CHUNK_SIZE])
        key = new_key(shop_id, SUFFIXES[data.content_type])
        store.commit(staged, key)
    finally:
        staged.discard()
    written.append(key)
    row = StoredFile(
        shop_id=shop_id,
        purpose=purpose,
        storage_key=key,
        content_type=data.content_type,
        size=staged.size,
        sha256=staged.sha256,
        filename=filename,
        public=public,
        width=data.width,
        height=data.height,
        original_id=original_id,
    )
    session.add(row)
    session.flush()
    return row


def _clean_name(filename: str | None) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>')
    return name.strip()[:200]


def save_image(
    session: Session,
    store: FileStore,
    written: list[str],
    *,
    shop_id: int,
    staged: StagedFile,
    purpose: FilePurpose,
    filename: str | None,
    max_pixels: int,
    field: str,
    public: bool = True,
) -> tuple[StoredFile, StoredFile]:
    """Check the staged upload is a whole JPEG, PNG or WebP image; store it cleaned.

    Returns the image and its thumbnail. The staged file is always removed: what is stored
    is the re-encoded image (no EXIF, location, comments), never the bytes as sent.
    """
    try:
        staged.close()
        content_type = sniff(staged.head)
        if content_type not in IMAGE_TYPES:
            found = describe(staged.head) if content_type is None else content_type
            raise UnsupportedFileType(found, list(IMAGE_TYPES), field=field)
        try:
            clean = clean_image(staged.path, content_type, max_pixels=max_pixels)
        except ImageRejected as exc:
            raise InvalidImage(str(exc), field=field) from None
    finally:
        staged.discard()
    name = _clean_name(filename)
    image = _put_bytes(
        session,
        store,
        written,
        shop_id=shop_id,
        data=clean.image,
        purpose=purpose,
        filename=name,
        public=public,
    )
    thumbnail = _put_bytes(
        session,
        store,
        written,
        shop_id=shop_id,
        data=clean.thumbnail,
        purpose=FilePurpose.thumbnail,
        filename=name,
        public=public,
        original_id=image.id,
    )
    return image, thumbnail


def save_document(
    session: Session,
    store: FileStore,
    written: list[str],
    *,
    shop_id: int,
    staged: StagedFile,
    purpose: FilePurpose,
    filename: str | None,
    field: str,
    expires_at: datetime | None = None,
) -> StoredFile:
    """Store a staged PDF as a private file (served only through signed links)."""
    try:
        staged.close()
        content_type = sniff(staged.head)
        if content_type not in DOCUMENT_TYPES:
            found = describe(staged.head) if content_type is None else content_type
            raise UnsupportedFileType(found, list(DOCUMENT_TYPES), field=field)
        key = new_key(shop_id, SUFFIXES[content_type])
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
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return row


def expire_files(session: Session, file_ids: list[int]) -> None:
    """Mark files (and their thumbnails) for removal by :func:`purge_expired`."""
    if not file_ids:
        return
    now = utcnow()
    rows = session.exec(
        select(StoredFile).where(
            or_(col(StoredFile.id).in_(file_ids), col(StoredFile.original_id).in_(file_ids))
        )
    ).all()
    for row in rows:
        row.expires_at = now
        session.add(row)
    session.flush()


def purge_expired(session: Session, store: FileStore, *, now: datetime | None = None) -> int:
    """Remove the rows and bytes of files past their retention; returns how many.

    Also removes temporaries of uploads that died (a killed worker) an hour ago or more.
    Idempotent: a second run (or a second worker) finds nothing left to remove. Commits
    each chunk of rows, then removes their bytes (see :mod:`core.files.retention`).
    """
    store.sweep_staged(STALE_UPLOAD_S)
    at = now or utcnow()
    total = 0
    while True:
        seen, keys = purge_due_files(session, now=at, limit=PURGE_CHUNK)
        session.commit()
        remove_bytes(store, keys)
        total += len(keys)
        if seen < PURGE_CHUNK:
            return total
