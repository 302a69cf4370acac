"""File retention: files past their ``expires_at`` that nothing references are removed.

A file is due when its ``expires_at`` has passed and no row of another table (a product
image today; any foreign key to ``stored_file.id``), and no thumbnail that is not itself
due, points at it. A chunk of due rows is locked (PostgreSQL ``SKIP
LOCKED``; SQLite serializes writers), thumbnails are deleted before their originals, and
the rows' bytes are removed from the store only after the commit, so a crash leaves at
most bytes without a row (removed again next time), never a row without its bytes. Two
runs at once never remove the same row twice: each counts only the rows its own ``DELETE``
returned.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, ColumnElement, CompoundSelect, delete, exists, or_, select, union
from sqlalchemy.orm import aliased
from sqlmodel import Session, SQLModel, col

from core.files.store import FileStore
from core.models.files import StoredFile

#: A temporary upload file older than this belongs to an upload that died.
STALE_UPLOAD_S = 3600.0


def referencing_columns() -> list[Column[Any]]:
    """Every column of another table with a foreign key to ``stored_file.id`` (a product
    image's file and thumbnail today; whatever table adds one later is covered too)."""
    import core.models  # noqa: F401 - registers every table on the metadata

    own = SQLModel.metadata.tables[StoredFile.__tablename__]
    target = own.c.id
    return [
        fk.parent
        for table in SQLModel.metadata.sorted_tables
        if table is not own
        for fk in table.foreign_keys
        if fk.column is target
    ]


def _referenced() -> CompoundSelect:
    """The ids of files some row uses (see :func:`referencing_columns`)."""
    return union(*(select(column).where(column.is_not(None)) for column in referencing_columns()))


def _due_clause(now: datetime) -> list[ColumnElement[bool]]:
    child = aliased(StoredFile)
    kept_child = exists().where(
        col(child.original_id) == col(StoredFile.id),
        or_(col(child.expires_at).is_(None), col(child.expires_at) > now),
    )
    return [
        col(StoredFile.expires_at).is_not(None),
        col(StoredFile.expires_at) <= now,
        col(StoredFile.id).not_in(_referenced()),
        ~kept_child,
    ]


def purge_due_files(session: Session, *, now: datetime, limit: int = 200) -> tuple[int, list[str]]:
    """Delete up to ``limit`` due file rows; returns (rows looked at, keys deleted).

    Does not commit and does not touch the store: the caller removes the returned keys'
    bytes after its commit. An original whose thumbnail another run holds stays for a later
    run (its ``DELETE`` re-checks that no thumbnail remains).
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    due = session.execute(
        select(col(StoredFile.id), col(StoredFile.original_id))
        .where(*_due_clause(now))
        .order_by(col(StoredFile.original_id).is_(None), col(StoredFile.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    thumbnails = [row.id for row in due if row.original_id is not None]
    originals = [row.id for row in due if row.original_id is None]
    keys: list[str] = []
    child = aliased(StoredFile)
    for ids, extra in (
        (thumbnails, []),
        (originals, [~exists().where(col(child.original_id) == col(StoredFile.id))]),
    ):
        if not ids:
            continue
        deleted = session.execute(
            delete(StoredFile)
            .where(col(StoredFile.id).in_(ids), *extra)
            .returning(col(StoredFile.storage_key))
            .execution_options(synchronize_session=False)
        )
        keys.extend(deleted.scalars().all())
    return len(due), keys


def remove_bytes(store: FileStore, keys: list[str]) -> None:
    """Remove the bytes of deleted rows (after their commit); a missing key is fine."""
    for key in keys:
        store.delete(key)
