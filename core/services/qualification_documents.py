"""A qualification's document: the scanned licence, an image or a PDF, kept private.

An image is checked and re-encoded like any upload (no metadata) with a thumbnail for the
reviewer's preview; a PDF is stored as sent. Both are ``document`` files of the shop, never
public: they are read through short-lived signed links only.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from core.files.errors import UnsupportedFileType
from core.files.service import save_document, save_image
from core.files.sniff import DOCUMENT_TYPES, IMAGE_TYPES, describe, sniff
from core.files.store import FileStore, StagedFile
from core.models.files import FilePurpose, StoredFile
from core.settings import Settings

#: What a licence document may be.
ACCEPTED_TYPES: tuple[str, ...] = IMAGE_TYPES + DOCUMENT_TYPES


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
    if content_type in IMAGE_TYPES:
        document, _thumbnail = save_image(
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
    )


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
