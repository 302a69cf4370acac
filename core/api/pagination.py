"""Cursor pagination: an opaque cursor holding the last id seen, ordered by id."""

from __future__ import annotations

import base64
import binascii
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlmodel import Session, SQLModel
from sqlmodel.sql.expression import SelectOfScalar

from core.errors import InvalidInput

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of results; pass ``next_cursor`` back as ``cursor`` for the next one."""

    items: list[T]
    next_cursor: str | None = None


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = raw.partition(":")
        if kind != "id":
            raise ValueError(kind)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput(
            "The cursor is not one this API gave out.", field="query.cursor"
        ) from None


def paginate(
    session: Session,
    statement: SelectOfScalar[Any],
    id_column: Any,
    *,
    cursor: str | None,
    limit: int,
) -> tuple[list[Any], str | None]:
    """Run ``statement`` for one page ordered by ``id_column``; return rows and the next cursor."""
    if cursor:
        statement = statement.where(id_column > decode_cursor(cursor))
    rows = list(session.exec(statement.order_by(id_column).limit(limit + 1)).all())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last: SQLModel = rows[-1]
        next_cursor = encode_cursor(last.id)  # type: ignore[attr-defined]
    return rows, next_cursor
