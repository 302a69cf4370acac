"""A qualification's document: the scanned licence, an image or a PDF, kept private.

An image is checked and re-encoded like any upload (no metadata) with a thumbnail for the
reviewer's preview; a PDF is stored as sent. Both are ``document`` files of the shop, never
public: they are read through short-lived signed links only. A document is stored with an
expiry (:data:`UNCLAIMED`) that submitting a qualification with it lifts
(:func:`claim_document`), so a scan uploaded and never used goes with the files' purge.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, or_, select

from core.files.errors import UnsupportedFileType
from core.files.service import save_document, save_image
from core.files.sniff import DOCUMENT_TYPES, IMAGE_TYPES, describe, sniff
from core.files.store import FileStore, StagedFile
from core.models.base import utcnow
from core.models.files import FilePurpose, StoredFile
from core.settings import Settings

#: What a licence document may be.
ACCEPTED_TYPES: tuple[str, ...] = IMAGE_TYPES + DOCUMENT_TYPES
#: How long an uploaded document waits for a qualification to claim it.
UNCLAIMED = timedelta(days=1)


def store_document(
    session: Session,
    store: FileStore,
    written: list[str],
    settings: Settings,
    *,
    shop_id: int,
    staged: StagedFile,
    filename: str | None = None,
    field: str = "body",
) -> StoredFile:
    """Keep the staged upload as the shop's private document (the caller commits).

    Call it inside :func:`core.files.service.written_files` (``written``), so the bytes go
    when the transaction does not commit.

    :raises UnsupportedFileType: neither a JPEG, PNG, WebP image nor a PDF (415).
    :raises InvalidImage: an image that does not decode whole (422).
    The staged file is always removed.
    """
    content_type = sniff(staged.head)
    if content_type not in ACCEPTED_TYPES:
        staged.discard()
        found = describe(staged.head) if content_type is None else content_type
        raise UnsupportedFileType(found, list(ACCEPTED_TYPES), field=field)
    expires_at = utcnow() + UNCLAIMED
    if content_type in IMAGE_TYPES:
        document, thumbnail = save_image(
            session,
            store,
            written,
            shop_id=shop_id,
            staged=staged,
            purpose=FilePurpose.document,
            filename=filename,
            max_pixels=settings.image_max_pixels,
            field=field,
            public=False,
        )
        for row in (document, thumbnail):
            row.expires_at = expires_at
            session.add(row)
        session.flush()
        return document
    return save_document(
        session,
        store,
        written,
        shop_id=shop_id,
        staged=staged,
        purpose=FilePurpose.document,
        filename=filename,
        field=field,
        expires_at=expires_at,
    )


def claim_document(session: Session, *, shop_id: int, file_id: int) -> StoredFile | None:
    """Keep the shop's unexpired document ``file_id`` (and its preview) for good; ``None``
    when there is no such document (another shop's, another kind of file, or expired)."""
    document = session.get(StoredFile, file_id)
    now = utcnow()
    if (
        document is None
        or document.shop_id != shop_id
        or document.purpose != FilePurpose.document
        or (document.expires_at is not None and _aware(document.expires_at) <= now)
    ):
        return None
    rows = session.exec(
        select(StoredFile).where(
            or_(col(StoredFile.id) == file_id, col(StoredFile.original_id) == file_id)
        )
    ).all()
    for row in rows:
        row.expires_at = None
        session.add(row)
    session.flush()
    return document


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored one is UTC
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def preview_of(session: Session, document: StoredFile) -> StoredFile | None:
    """The thumbnail of an image document (``None`` for a PDF)."""
    return session.exec(
        select(StoredFile).where(
            StoredFile.original_id == document.id, col(StoredFile.expires_at).is_(None)
        )
    ).first()


def documents_by_id(session: Session, file_ids: list[int]) -> dict[int, StoredFile]:
    """The document files with these ids, by id."""
    if not file_ids:
        return {}
    rows = session.exec(select(StoredFile).where(col(StoredFile.id).in_(file_ids))).all()
    return {row.id: row for row in rows if row.id is not None}
