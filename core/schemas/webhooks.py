"""An installation's event deliveries as the consoles see them, and the replay request."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from core.schemas.aftersales import UtcDatetime


class DeliveryAttemptPublic(BaseModel):
    """One event delivered (or being delivered) to one installation."""

    id: int
    event_id: str
    topic: str
    status: str
    attempts: int
    last_error: str
    next_attempt_at: UtcDatetime | None
    created_at: UtcDatetime
    delivered_at: UtcDatetime | None
    duration_ms: int | None


class WebhookHealth(BaseModel):
    """The installation's delivery health: its circuit and what waits in its backlog.

    ``paused`` is true (``circuit_state`` ``open``) while deliveries wait after repeated failures;
    ``backlog`` counts deliveries not delivered yet, by status (pending, failed, dead).
    """

    kind: str
    paused: bool
    webhook_url: str
    webhook_topics: list[str]
    circuit_state: str
    circuit_reason: str
    circuit_retry_at: UtcDatetime | None
    consecutive_failures: int
    backlog: dict[str, int]


class ReplayRequest(BaseModel):
    """Which deliveries to send again: the whole backlog when ``delivery_ids`` is omitted."""

    model_config = ConfigDict(extra="forbid")

    delivery_ids: list[int] | None = Field(default=None, max_length=10000)


class ReplayResult(BaseModel):
    """The deliveries queued again, in event order."""

    replayed: int
    delivery_ids: list[int]


class NotificationPublic(BaseModel):
    """A message to the signed-in person; ``kind`` is machine-readable (``webhooks_paused``),
    ``message`` its text in English, ``link`` the page of the consoles it is about (or empty)."""

    id: int
    shop_id: int | None
    kind: str
    message: str
    link: str = ""
    created_at: UtcDatetime
    read_at: UtcDatetime | None


class WebhookSubscriptionWrite(BaseModel):
    """Where a remote installation wants its events, and which ones (dotted topics)."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=500)
    topics: list[str] = Field(min_length=1, max_length=50)


class WebhookSubscriptionPublic(BaseModel):
    """The subscription as set; ``secret`` signs its deliveries and is shown only here."""

    url: str
    topics: list[str]
    secret: str
