"""Webhook topics: the dotted names remote apps subscribe to, one per kernel event.

An event hook ``order_paid`` is the topic ``order.paid``; the host and providers read the
same table, so a topic in a listing's manifest always names a real event.
"""

from __future__ import annotations

from sdk.events import EVENT_TYPES

#: The topic of each event, e.g. ``{"order_paid": "order.paid", ...}``.
EVENT_TOPICS: dict[str, str] = {name: name.replace("_", ".", 1) for name in EVENT_TYPES}

#: The event of each topic: the inverse of :data:`EVENT_TOPICS`.
TOPIC_EVENTS: dict[str, str] = {topic: name for name, topic in EVENT_TOPICS.items()}


def topic_for(event_name: str) -> str:
    """The webhook topic of an event name: ``order_paid`` -> ``order.paid``.

    :raises KeyError: when ``event_name`` is not a kernel event.
    """
    return EVENT_TOPICS[event_name]


def event_for(topic: str) -> str:
    """The event name of a webhook topic: ``order.paid`` -> ``order_paid``.

    :raises KeyError: when ``topic`` is not a known topic.
    """
    return TOPIC_EVENTS[topic]
