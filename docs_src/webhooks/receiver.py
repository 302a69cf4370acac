"""A webhook receiver without a framework: verify, deduplicate, order, then act."""

from __future__ import annotations

from collections.abc import Mapping

from sdk import OrderEvent
from sdk.remote import InvalidSignature, WebhookEvent, verify_signature


class Receiver:
    """Handles one app's webhooks; ``handle`` returns the HTTP status to answer."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.handled: set[str] = set()  # in production: a table, event_id unique
        self.sequences: dict[tuple[str, int], int] = {}  # resource -> newest sequence
        self.paid_orders: list[int] = []

    def handle(self, headers: Mapping[str, str], body: bytes) -> int:
        try:
            verify_signature(self.secret, headers, body)  # the raw body, before parsing
        except InvalidSignature:
            return 401
        event = WebhookEvent.parse(body)
        if event.event_id in self.handled:
            return 200  # delivered again (at least once): already done
        resource = (event.resource_type, event.resource_id)
        if event.sequence > self.sequences.get(resource, 0):  # older news changes nothing
            self.sequences[resource] = event.sequence
            payload = event.payload()
            if isinstance(payload, OrderEvent) and payload.name == "order_paid":
                self.paid_orders.append(payload.order.id)
        self.handled.add(event.event_id)
        return 200
