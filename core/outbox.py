"""Write kernel events to the outbox, inside the caller's transaction."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from core.models import OutboxEvent


def record_event(
    session: Session,
    *,
    name: str,
    shop_id: int,
    resource_type: str,
    resource_id: int,
    data: dict[str, Any],
) -> OutboxEvent:
    """Add an event row in the current transaction; it commits (or not) with the change.

    :param name: the hook name, e.g. ``order_paid``.
    :param data: the JSON-able resource snapshot the event's SDK payload is built from.
    """
    last = session.exec(
        select(func.max(OutboxEvent.sequence)).where(
            OutboxEvent.resource_type == resource_type, OutboxEvent.resource_id == resource_id
        )
    ).one()
    event = OutboxEvent(
        event_id=str(uuid.uuid4()),
        name=name,
        shop_id=shop_id,
        resource_type=resource_type,
        resource_id=resource_id,
        sequence=(last or 0) + 1,
        payload=data,
    )
    session.add(event)
    return event
