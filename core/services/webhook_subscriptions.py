"""A remote installation's own webhook subscription: where its events go and which ones.

A remote app sets it with its token (``PUT /api/v1/installation/webhook``), as Shopify apps
register webhook subscriptions, instead of (or after) the URL and topics its listing
declared. The topics are limited to the events its granted scopes may read (each event
hook's ``Scopes:`` line, :func:`sdk.cli.usage.hook_scopes`); the URL follows the rule the
listing review applies (https, or plain http on loopback outside production). Each
subscription gets a fresh signing secret, sealed with the host's key like the listing's,
and handed back once. Services do not commit.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlmodel import Session

from core.crypto import encrypt_secret
from core.errors import InvalidInput, InvalidState
from core.models import CircuitState, Installation
from core.plugins.review_checks import LOOPBACK_HOSTS
from core.plugins.webhooks import REMOTE
from sdk.cli.usage import hook_scopes
from sdk.remote import EVENT_TOPICS, TOPIC_EVENTS, new_secret

_ABSOLUTE = re.compile(r"^https?://[^\s/?#]+[^\s]*$")


def readable_topics(granted_scopes: list[str] | frozenset[str]) -> list[str]:
    """The topics an installation holding ``granted_scopes`` may subscribe to, sorted."""
    granted = set(granted_scopes)
    needs = hook_scopes()
    return sorted(
        topic for event, topic in EVENT_TOPICS.items() if needs.get(event, set()) <= granted
    )


def check_webhook_url(url: str, *, env: str) -> str:
    """``url`` when it may receive deliveries; :class:`InvalidInput` at ``body.url`` otherwise."""
    if not _ABSOLUTE.match(url):
        raise InvalidInput("The webhook URL must be an absolute http(s) URL.", field="body.url")
    parts = urlsplit(url)
    loopback = parts.hostname in LOOPBACK_HOSTS
    if parts.scheme == "https" and not (loopback and env == "production"):
        return url
    if parts.scheme == "http" and loopback and env != "production":
        return url
    raise InvalidInput(
        "The webhook URL must be an https:// URL (plain http only on loopback, outside "
        "production).",
        code="insecure_url",
        field="body.url",
    )


def check_topics(topics: list[str], granted_scopes: list[str]) -> list[str]:
    """The dotted topics of ``topics`` (event names are taken too), each readable with the
    granted scopes; :class:`InvalidInput` naming the first one that is not."""
    allowed = set(readable_topics(granted_scopes))
    dotted: list[str] = []
    for index, name in enumerate(topics):
        topic = EVENT_TOPICS.get(name, name)
        if topic not in TOPIC_EVENTS:
            raise InvalidInput(
                f"'{name}' is not a webhook topic.",
                code="unknown_topic",
                field=f"body.topics[{index}]",
            )
        if topic not in allowed:
            needed = ", ".join(sorted(hook_scopes().get(TOPIC_EVENTS[topic], ())))
            raise InvalidInput(
                f"The installation was not granted the scopes '{topic}' needs ({needed}).",
                code="topic_not_granted",
                field=f"body.topics[{index}]",
            )
        dotted.append(topic)
    return list(dict.fromkeys(dotted))


def _remote(installation: Installation) -> None:
    if installation.kind != REMOTE:
        raise InvalidState(
            "Only a remote app's installation receives webhooks; an in-process plugin gets "
            "its events as hooks.",
            code="not_remote",
        )


def subscribe(
    session: Session,
    *,
    installation: Installation,
    url: str,
    topics: list[str],
    secret_key: str,
    env: str,
) -> str:
    """Send the installation's events of ``topics`` to ``url`` from now on; the new signing
    secret (kept only sealed). Deliveries paused after failures resume."""
    _remote(installation)
    installation.webhook_url = check_webhook_url(url, env=env)
    installation.webhook_topics = check_topics(topics, list(installation.granted_scopes))
    secret = new_secret()
    installation.webhook_secret = encrypt_secret(secret_key, secret)
    installation.circuit_state = CircuitState.closed
    installation.consecutive_failures = 0
    installation.circuit_reason = ""
    installation.circuit_retry_at = None
    session.add(installation)
    return secret


def unsubscribe(session: Session, *, installation: Installation) -> None:
    """Stop the installation's webhooks (its URL, topics and own secret are cleared)."""
    _remote(installation)
    installation.webhook_url = ""
    installation.webhook_topics = []
    installation.webhook_secret = ""
    session.add(installation)
