"""The JSON body of a webhook delivery, parsed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sdk.events import Event, build_event
from sdk.remote.topics import TOPIC_EVENTS


class WebhookEvent(BaseModel):
    """One delivered event: the envelope and the resource snapshot in ``data``.

    ``event_id`` is the same on every retry (deduplicate on it); ``sequence`` numbers the
    events of one resource (``resource_type`` + ``resource_id``), so a receiver can put
    deliveries that arrive out of order back in order.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_id: str
    topic: str
    shop_id: int
    installation_id: int | None = None
    resource_type: str
    resource_id: int
    sequence: int
    occurred_at: datetime
    data: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def parse(cls, body: str | bytes) -> WebhookEvent:
        """Parse a request body (verify its signature first).

        :raises pydantic.ValidationError: when the body is not a webhook event.
        """
        return cls.model_validate_json(body)

    @property
    def event_name(self) -> str | None:
        """The kernel event name (``order_paid`` for ``order.paid``); ``None`` if unknown."""
        return TOPIC_EVENTS.get(self.topic)

    def payload(self) -> Event:
        """The typed SDK payload, the same model an in-process plugin's hook receives.

        :raises KeyError: for a topic this SDK version does not know.
        """
        name = TOPIC_EVENTS[self.topic]
        return build_event(
            name,
            self.data,
            event_id=self.event_id,
            shop_id=self.shop_id,
            occurred_at=self.occurred_at,
            sequence=self.sequence,
            resource_type=self.resource_type,
            resource_id=self.resource_id,
        )
