"""The transactional outbox: one row per kernel event, written with the change itself."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from core.models.base import created_at_field, json_field


class OutboxEvent(SQLModel, table=True):
    """An event the kernel published. ``sequence`` orders events of one resource."""

    __table_args__ = (UniqueConstraint("resource_type", "resource_id", "sequence"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(index=True, unique=True, max_length=36)
    name: str = Field(index=True, max_length=60)
    shop_id: int = Field(index=True)
    resource_type: str = Field(max_length=30)
    resource_id: int
    sequence: int
    payload: dict = json_field(dict)
    created_at: datetime = created_at_field()


class EventSequence(SQLModel, table=True):
    """The last sequence number given to one resource's events.

    :func:`core.outbox.record_event` bumps it with one ``INSERT ... ON CONFLICT DO UPDATE
    ... RETURNING``; the row lock that update takes is what keeps two transactions from
    giving the same number, whatever locks their callers hold.
    """

    resource_type: str = Field(primary_key=True, max_length=30)
    resource_id: int = Field(primary_key=True)
    last_sequence: int = 0
