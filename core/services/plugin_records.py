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


#: A counter's field name inside a record: a slug, like a collection.
COUNTER_FIELD = RECORD_COLLECTION
#: The largest counter value and step (counters are JSON integers kept within 32 bits).
MAX_COUNTER = 2**31 - 1


def check_counter(field: str, by: int, ceiling: int | None) -> None:
    """Refuse a field that is not a slug, or a step or ceiling that is not a small int."""
    if not isinstance(field, str) or not COUNTER_FIELD.match(field):
        raise InvalidInput(
            f"'{field}' is not a counter name: lowercase letters, digits and '_'.",
            code="invalid_counter",
            field="body.field",
        )
    if isinstance(by, bool) or not isinstance(by, int) or not -MAX_COUNTER <= by <= MAX_COUNTER:
        raise InvalidInput(
            "A counter's step is a whole number.", code="invalid_step", field="body.by"
        )
    if ceiling is not None and (
        isinstance(ceiling, bool) or not isinstance(ceiling, int) or not 0 <= ceiling <= MAX_COUNTER
    ):
        raise InvalidInput(
            f"A counter's ceiling is a whole number from 0 to {MAX_COUNTER}.",
            code="invalid_ceiling",
            field="body.ceiling",
        )


def increment_counter(
    session: Session,
    *,
    installation_id: int,
    shop_id: int,
    collection: str,
    key: str,
    field: str,
    by: int = 1,
    ceiling: int | None = None,
) -> int | None:
    """Add ``by`` to the integer ``data[field]`` of the record at ``(collection, key)``
    (created as ``{field: 0}`` when absent; its other fields are kept) and return the new
    value, or change nothing and return ``None`` when the value would leave ``0..ceiling``.

    The record is locked while it is read and written (``FOR UPDATE`` on PostgreSQL; SQLite
    serializes writers), so concurrent callers never pass the ceiling together.
    """
    check_address(collection, key)
    check_counter(field, by, ceiling)
    row, _ = put_record(
        session,
        installation_id=installation_id,
        shop_id=shop_id,
        collection=collection,
        key=key,
        data={field: 0},
        if_absent=True,
    )
    session.refresh(row, with_for_update=True)  # the latest value, locked (PostgreSQL)
    current = row.data.get(field, 0)
    if isinstance(current, bool) or not isinstance(current, int):
        raise InvalidInput(
            f"The record's '{field}' is not a whole number.",
            code="not_a_counter",
            field="body.field",
        )
    value = current + by
    if value < 0 or value > (MAX_COUNTER if ceiling is None else ceiling):
        return None
    row.data = {**row.data, field: value}
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return value
