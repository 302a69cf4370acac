"""For remote apps: verify Tanzi's signed webhooks and read their events.

A remote app runs on the provider's own server. Tanzi POSTs each subscribed event to its
webhook URL as JSON, signed with the app's webhook secret::

    from sdk.remote import InvalidSignature, WebhookEvent, verify_signature

    verify_signature(secret, request.headers, raw_body)  # raises InvalidSignature
    event = WebhookEvent.parse(raw_body)
    if event.topic == "order.paid":
        order = event.payload().order

Deliveries are at least once: deduplicate on ``event.event_id``. Nothing here needs a web
framework; ``sdk.remote.fastapi`` has a ready router for FastAPI apps.
"""

from sdk.remote.events import WebhookEvent
from sdk.remote.signing import (
    DEFAULT_TOLERANCE_S,
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    TOPIC_HEADER,
    InvalidSignature,
    sign,
    signature_headers,
    verify_signature,
)
from sdk.remote.topics import EVENT_TOPICS, TOPIC_EVENTS, event_for, topic_for

__all__ = [
    "DEFAULT_TOLERANCE_S",
    "EVENT_ID_HEADER",
    "EVENT_TOPICS",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "TOPIC_EVENTS",
    "TOPIC_HEADER",
    "InvalidSignature",
    "WebhookEvent",
    "event_for",
    "sign",
    "signature_headers",
    "topic_for",
    "verify_signature",
]
