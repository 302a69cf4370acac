"""Write kernel events to the outbox, inside the caller's transaction."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from core.models import EventSequence, OutboxEvent
from core.models.base import utcnow

#: Set in ``session.info`` when the session's transaction wrote outbox rows; the plugin
#: host reads it after commit to start a dispatch.
OUTBOX_WRITTEN = "tanzi.outbox_written"

_table = OutboxEvent.__table__  # type: ignore[attr-defined]
_counters = EventSequence.__table__  # type: ignore[attr-defined]


def _bump_statement(dialect: Any, *returning: Any) -> Any:
    """``INSERT ... ON CONFLICT DO UPDATE SET last_sequence = last_sequence + 1 RETURNING``
    for one resource's counter row, in ``dialect``'s own insert construct."""
    statement = dialect.insert(_counters).values(
        resource_type=bindparam("resource_type"),
        resource_id=bindparam("resource_id"),
        last_sequence=1,
    )
    return statement.on_conflict_do_update(
        index_elements=[_counters.c.resource_type, _counters.c.resource_id],
        set_={"last_sequence": _counters.c.last_sequence + 1},
    ).returning(*returning, _counters.c.last_sequence)


#: Built once per dialect; reusing the constructs skips SQLAlchemy's per-call building.
_BUMP = {"postgresql": _bump_statement(postgresql), "sqlite": _bump_statement(sqlite)}
#: The same for many resources at once, executed with a list of parameters (SQLAlchemy's
#: "insertmanyvalues" batches it into multi-row statements from one cached compilation).
_BUMP_MANY = {
    name: _bump_statement(dialect, _counters.c.resource_id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_INSERT = insert(_table).values(
    event_id=bindparam("event_id"),
    name=bindparam("name"),
    shop_id=bindparam("shop_id"),
    resource_type=bindparam("resource_type"),
    resource_id=bindparam("resource_id"),
    sequence=bindparam("sequence"),
    payload=bindparam("payload", type_=_table.c.payload.type),
    created_at=bindparam("created_at", type_=_table.c.created_at.type),
)


def _numbered_insert_in_one_statement() -> Any:
    """PostgreSQL: bump the counter and insert the event in one statement, a data-modifying
    ``WITH`` (``WITH seq AS (INSERT ... ON CONFLICT ... RETURNING) INSERT ... SELECT``),
    so numbering costs no extra round trip. SQLite has no such ``WITH``; there writers are
    serialized and the two statements run back to back."""
    seq = _BUMP["postgresql"].cte("seq")
    columns = ["event_id", "name", "shop_id", "resource_type", "resource_id", "sequence"]
    return insert(_table).from_select(
        [*columns, "payload", "created_at"],
        select(
            bindparam("event_id", type_=_table.c.event_id.type),
            bindparam("name", type_=_table.c.name.type),
            bindparam("shop_id", type_=_table.c.shop_id.type),
            bindparam("resource_type", type_=_table.c.resource_type.type),
            bindparam("resource_id", type_=_table.c.resource_id.type),
            seq.c.last_sequence,
            bindparam("payload", type_=_table.c.payload.type),
            bindparam("created_at", type_=_table.c.created_at.type),
        ),
    )


_INSERT_NUMBERED_PG = _numbered_insert_in_one_statement()


def next_sequence(session: Session, *, resource_type: str, resource_id: int) -> int:
    """The next event sequence number of one resource, taken in the current transaction.

    The counter row stays locked until the transaction ends, so a concurrent transaction
    numbering events of the same resource waits for it and then takes the number after;
    no caller has to hold a lock of its own for the numbers to be distinct and gapless.
    """
    bump = _BUMP[session.get_bind().dialect.name]
    return session.execute(
        bump, {"resource_type": resource_type, "resource_id": resource_id}
    ).scalar_one()


def record_event(
    session: Session,
    *,
    name: str,
    shop_id: int,
    resource_type: str,
    resource_id: int,
    data: dict[str, Any],
) -> str:
    """Add an event row in the current transaction; it commits (or not) with the change.

    The event is numbered by :func:`next_sequence`, safe whatever locks the caller holds.
    Returns the new event's id.

    :param name: the hook name, e.g. ``order_paid``.
    :param data: the JSON-able resource snapshot the event's SDK payload is built from.
    """
    event_id = str(uuid.uuid4())
    values = {
        "event_id": event_id,
        "name": name,
        "shop_id": shop_id,
        "resource_type": resource_type,
        "resource_id": resource_id,
        "payload": data,
        "created_at": utcnow(),
    }
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_INSERT_NUMBERED_PG, values)
    else:
        values["sequence"] = next_sequence(
            session, resource_type=resource_type, resource_id=resource_id
        )
        session.execute(_INSERT, values)
    session.info[OUTBOX_WRITTEN] = True
    return event_id


def record_events(
    session: Session, *, name: str, shop_id: int, resource_type: str, data: dict[int, dict]
) -> list[str]:
    """Add one event ``name`` per resource in ``data`` (resource id -> snapshot) with two
    statements in all: the resources' sequence counters bumped in one multi-row upsert,
    the events inserted in one batch. Returns the new event ids, in ``data``'s order."""
    if not data:
        return []
    dialect = "postgresql" if session.get_bind().dialect.name == "postgresql" else "sqlite"
    counters = [{"resource_type": resource_type, "resource_id": rid} for rid in data]
    sequences = {
        rid: seq for rid, seq in session.connection().execute(_BUMP_MANY[dialect], counters)
    }
    now = utcnow()
    rows = [
        {
            "event_id": str(uuid.uuid4()),
            "name": name,
            "shop_id": shop_id,
            "resource_type": resource_type,
            "resource_id": rid,
            "sequence": sequences[rid],
            "payload": payload,
            "created_at": now,
        }
        for rid, payload in data.items()
    ]
    session.execute(_INSERT, rows)
    session.info[OUTBOX_WRITTEN] = True
    return [row["event_id"] for row in rows]
