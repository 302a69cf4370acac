"""Write kernel events to the outbox, inside the caller's transaction."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlmodel import Session

from core.models import OutboxEvent
from core.models.base import utcnow

#: Set in ``session.info`` when the session's transaction wrote outbox rows; the plugin
#: host reads it after commit to start a dispatch.
OUTBOX_WRITTEN = "tanzi.outbox_written"

_table = OutboxEvent.__table__  # type: ignore[attr-defined]

#: Built once: the insert numbers the event after the resource's last one in the same
#: statement. Reusing the construct skips SQLAlchemy's per-call statement building.
_INSERT = insert(_table).values(
    event_id=bindparam("event_id"),
    name=bindparam("name"),
    shop_id=bindparam("shop_id"),
    resource_type=bindparam("resource_type"),
    resource_id=bindparam("resource_id"),
    sequence=select(func.coalesce(func.max(_table.c.sequence), 0) + 1)
    .where(
        _table.c.resource_type == bindparam("resource_type"),
        _table.c.resource_id == bindparam("resource_id"),
    )
    .scalar_subquery(),
    payload=bindparam("payload", type_=_table.c.payload.type),
    created_at=bindparam("created_at", type_=_table.c.created_at.type),
)


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

    One ``INSERT ... SELECT`` numbers the event after the resource's last one, so the
    per-resource sequence costs no extra round trip. Returns the new event's id.

    :param name: the hook name, e.g. ``order_paid``.
    :param data: the JSON-able resource snapshot the event's SDK payload is built from.
    """
    event_id = str(uuid.uuid4())
    session.execute(
        _INSERT,
        {
            "event_id": event_id,
            "name": name,
            "shop_id": shop_id,
            "resource_type": resource_type,
            "resource_id": resource_id,
            "payload": data,
            "created_at": utcnow(),
        },
    )
    session.info[OUTBOX_WRITTEN] = True
    return event_id
