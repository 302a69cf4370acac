"""Plugin records: the JSON documents one installation keeps, by ``(collection, key)``.

The one implementation behind ``client.records`` in-process (:mod:`core.plugins.client`)
and the installation's own records routes (:mod:`core.api.plugin_records`), so both accept and
refuse the same input. Every function is pinned to one installation: a plugin never reads
or writes another's records.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from core.errors import InvalidInput
from core.models import PluginRecord
from core.models.base import utcnow

#: A record collection's name: a slug, like a plugin id.
RECORD_COLLECTION = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
#: The longest record key, in characters.
MAX_RECORD_KEY = 200
#: The largest record document, as compact JSON in UTF-8.
MAX_RECORD_BYTES = 64 * 1024
#: The most records one list call returns.
MAX_RECORDS_LIST = 200


def check_address(collection: str, key: str | None) -> None:
    """Refuse a collection that is not a slug, or a key that is empty, too long or not
    printable (``key=None``: the collection only)."""
    if not isinstance(collection, str) or not RECORD_COLLECTION.match(collection):
        raise InvalidInput(
            f"'{collection}' is not a collection name: lowercase letters, digits and '_', "
            "starting with a letter, at most 63 long.",
            code="invalid_collection",
            field="path.collection",
        )
    if key is not None and (
        not isinstance(key, str) or not key or len(key) > MAX_RECORD_KEY or not key.isprintable()
    ):
        raise InvalidInput(
            f"A record key is 1 to {MAX_RECORD_KEY} printable characters.",
            code="invalid_key",
            field="path.key",
        )


def check_document(data: Any) -> dict[str, Any]:
    """A JSON copy of ``data``, refused when it is not a JSON object or is too large."""
    if not isinstance(data, dict):
        raise InvalidInput(
            "A record's data is a JSON object (a dict).", code="invalid_data", field="body.data"
        )
    try:
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            f"A record's data must be JSON: {exc}", code="invalid_data", field="body.data"
        ) from exc
    if len(text.encode()) > MAX_RECORD_BYTES:
        raise InvalidInput(
            f"A record's data may be at most {MAX_RECORD_BYTES} bytes of JSON.",
            code="record_too_large",
            field="body.data",
        )
    document: dict[str, Any] = json.loads(text)
    return document


def _query(installation_id: int, collection: str) -> SelectOfScalar[PluginRecord]:
    return select(PluginRecord).where(
        PluginRecord.installation_id == installation_id, PluginRecord.collection == collection
    )


def get_record(
    session: Session, *, installation_id: int, collection: str, key: str, lock: bool = False
) -> PluginRecord | None:
    """The record at ``(collection, key)`` of this installation, or ``None``."""
    check_address(collection, key)
    query = _query(installation_id, collection).where(PluginRecord.key == key)
    if lock:
        query = query.with_for_update()
    return session.exec(query).first()


def put_record(
    session: Session,
    *,
    installation_id: int,
    shop_id: int,
    collection: str,
    key: str,
    data: Any,
    if_absent: bool = False,
) -> tuple[PluginRecord, bool]:
    """Create or replace the record at ``(collection, key)``; return it and whether it
    was created. With ``if_absent`` an existing record is returned unchanged."""
    check_address(collection, key)
    document = check_document(data)
    row = get_record(
        session, installation_id=installation_id, collection=collection, key=key, lock=True
    )
    if row is None:
        row = PluginRecord(
            installation_id=installation_id,
            shop_id=shop_id,
            collection=collection,
            key=key,
            data=document,
        )
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
            return row, True
        except IntegrityError:
            # another call created it first (PostgreSQL; SQLite serializes writers)
            row = get_record(
                session, installation_id=installation_id, collection=collection, key=key, lock=True
            )
            if row is None:
                raise
    if not if_absent:
        row.data = document
        row.updated_at = utcnow()
        session.add(row)
        session.flush()
    return row, False


def list_records(
    session: Session,
    *,
    installation_id: int,
    collection: str,
    limit: int = 50,
    after_key: str | None = None,
) -> list[PluginRecord]:
    """Records of ``collection`` ordered by key, at most ``limit`` (1 to 200) after
    ``after_key``."""
    check_address(collection, None)
    query = _query(installation_id, collection)
    if after_key is not None:
        query = query.where(col(PluginRecord.key) > after_key)
    limit = max(1, min(int(limit), MAX_RECORDS_LIST))
    return list(session.exec(query.order_by(col(PluginRecord.key)).limit(limit)))


def delete_record(session: Session, *, installation_id: int, collection: str, key: str) -> bool:
    """Delete the record at ``(collection, key)``; ``False`` when there was none."""
    row = get_record(
        session, installation_id=installation_id, collection=collection, key=key, lock=True
    )
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True
