"""For remote apps: verify Tanzi's signed webhooks and read their events.

A remote app runs on the provider's own server. Tanzi POSTs each subscribed event to its
webhook URL as JSON, signed with the app's webhook secret by the Standard Webhooks
specification (``webhook-id``, ``webhook-timestamp``, ``webhook-signature``), so the
specification's reference libraries verify it as well as this thin layer does::

    from sdk.remote import InvalidSignature, WebhookEvent, verify_signature

    verify_signature(secret, request.headers, raw_body)  # raises InvalidSignature
    event = WebhookEvent.parse(raw_body)
    if event.topic == "order.paid":
        order = event.payload().order

Deliveries are at least once: deduplicate on ``event.event_id`` (it is the ``webhook-id``).
A plugin receives webhooks in a route of its own (``PluginRoute(audience="webhook")``)
with :func:`verify_webhook` and :class:`RetryLater` (:mod:`sdk.remote.receiving`).
Nothing here needs a web framework; ``sdk.remote.fastapi`` has a ready router for FastAPI
apps.
"""

from sdk.remote.events import WebhookEvent
from sdk.remote.receiving import RetryLater, verify_webhook
from sdk.remote.signing import (
    DEFAULT_TOLERANCE_S,
    EVENT_ID_HEADER,
    SECRET_PREFIX,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    TOPIC_HEADER,
    InvalidSignature,
    new_secret,
    secret_key,
    sign,
    signature_headers,
    standard_secret,
    verify_signature,
)
from sdk.remote.topics import EVENT_TOPICS, TOPIC_EVENTS, event_for, topic_for

__all__ = [
    "DEFAULT_TOLERANCE_S",
    "EVENT_ID_HEADER",
    "EVENT_TOPICS",
    "SECRET_PREFIX",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "TOPIC_EVENTS",
    "TOPIC_HEADER",
    "InvalidSignature",
    "RetryLater",
    "WebhookEvent",
    "event_for",
    "new_secret",
    "secret_key",
    "sign",
    "signature_headers",
    "standard_secret",
    "topic_for",
    "verify_signature",
    "verify_webhook",
]
