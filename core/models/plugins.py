"""Plugin installations, event deliveries to them, and the outbox dispatch marks."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from core.models.base import created_at_field, datetime_field, json_field


class InstallationStatus(StrEnum):
    enabled = "enabled"
    paused = "paused"
    removed = "removed"


class CircuitState(StrEnum):
    """Delivery health of one installation: open stops deliveries until ``retry_at``."""

    closed = "closed"
    open = "open"
    half_open = "half_open"


class Installation(SQLModel, table=True):
    """One plugin enabled (or paused, or removed) in one shop."""

    __table_args__ = (UniqueConstraint("shop_id", "plugin_id"),)

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shop.id", index=True)
    plugin_id: str = Field(max_length=63, index=True)
    version: str = Field(max_length=40)
    status: InstallationStatus = InstallationStatus.enabled
    granted_scopes: list[str] = json_field()
    settings: dict = json_field(dict)
    #: ``plugin`` (in-process hooks) or ``remote`` (signed webhooks to ``webhook_url``)
    kind: str = Field(default="plugin", max_length=10)
    listing_id: int | None = Field(default=None, foreign_key="listing.id", index=True)
    webhook_url: str = Field(default="", max_length=500)
    webhook_topics: list[str] = json_field()
    webhook_secret: str = Field(default="", max_length=200)  # encrypted with the secret key
    #: a newer version that asks for more scopes, waiting for the merchant's re-consent
    pending_version: str = Field(default="", max_length=40)
    pending_scopes: list[str] = json_field()
    consecutive_failures: int = 0
    circuit_state: CircuitState = CircuitState.closed
    circuit_reason: str = Field(default="", max_length=500)
    circuit_opened_at: datetime | None = datetime_field()
    circuit_retry_at: datetime | None = datetime_field()
    created_at: datetime = created_at_field()
    removed_at: datetime | None = datetime_field()
    #: after uninstall, ``installation_removed`` may still call back until this time
    cleanup_until: datetime | None = datetime_field()


class DeliveryStatus(StrEnum):
    pending = "pending"  # not tried yet
    failed = "failed"  # tried, a retry is scheduled at ``next_attempt_at``
    delivered = "delivered"
    dead = "dead"  # out of retries: waits in the dead-letter list for a replay


class Delivery(SQLModel, table=True):
    """One event delivered to one installation's hook."""

    __table_args__ = (UniqueConstraint("event_id", "installation_id"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=36, index=True)
    outbox_id: int = Field(foreign_key="outboxevent.id", index=True)
    installation_id: int = Field(foreign_key="installation.id", index=True)
    shop_id: int = Field(index=True)
    plugin_id: str = Field(max_length=63)
    hook: str = Field(max_length=60)
    status: DeliveryStatus = Field(default=DeliveryStatus.pending, index=True)
    attempts: int = 0
    last_error: str = Field(default="", max_length=2000)
    next_attempt_at: datetime | None = datetime_field()
    enqueued_at: datetime | None = datetime_field()
    duration_ms: int | None = None
    created_at: datetime = created_at_field()
    delivered_at: datetime | None = datetime_field()


class OutboxDispatch(SQLModel, table=True):
    """Marks an outbox event as fanned out into deliveries (exactly once, by primary key)."""

    outbox_id: int = Field(
        foreign_key="outboxevent.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    deliveries: int = 0
    dispatched_at: datetime = created_at_field()
