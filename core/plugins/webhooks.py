"""Signed webhook deliveries to remote apps: the body, the signature, the POST.

Deliveries are signed by the Standard Webhooks specification (:mod:`sdk.remote.signing`):
``webhook-id`` is the event's id, the same on every retry, so the app can deduplicate.

A remote installation (``Installation.kind == "remote"``) gets the events whose topic
(``sdk.remote.topic_for``) it subscribed to in ``webhook_topics``. The delivery machinery
is the plugins' own (:mod:`core.plugins.fanout`, :mod:`core.plugins.delivery`,
:mod:`core.plugins.retries`: batches, retries on the published schedule, dead letters, the
circuit breaker); this module only turns one delivery into one signed ``POST`` and says
whether it worked: a 2xx answer is delivered, anything else (another status, a timeout, a
refused connection) is an error to retry.
"""

from __future__ import annotations

import json
import threading
import time
import weakref
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx
from sqlmodel import Session, col, select

import core
from core.crypto import decrypt_secret
from core.errors import InvalidState
from core.models import Installation, Listing, OAuthClient, OutboxEvent, Shop
from core.models.base import utcnow
from core.services.notifications import notify
from sdk.remote import EVENT_TOPICS, signature_headers

#: The ``Installation.kind`` of a remote app.
REMOTE = "remote"
#: The longest a remote app may take to answer one delivery (the plugin's own
#: ``timeout_s`` applies when it is shorter).
WEBHOOK_TIMEOUT_S = 10.0
#: How much of a failed answer's body is kept in the delivery's ``last_error``.
ERROR_BODY_CHARS = 200


def topic_of(event_name: str) -> str:
    """The webhook topic of an event name (``order_paid`` -> ``order.paid``)."""
    return EVENT_TOPICS.get(event_name) or event_name.replace("_", ".", 1)


def webhook_body(outbox: OutboxEvent, *, installation_id: int) -> bytes:
    """The JSON a remote app receives for ``outbox`` (what ``sdk.remote.WebhookEvent`` parses)."""
    occurred = outbox.created_at
    return json.dumps(
        {
            "event_id": outbox.event_id,
            "topic": topic_of(outbox.name),
            "shop_id": outbox.shop_id,
            "installation_id": installation_id,
            "resource_type": outbox.resource_type,
            "resource_id": outbox.resource_id,
            "sequence": outbox.sequence,
            "occurred_at": occurred.isoformat() if occurred is not None else None,
            "data": outbox.payload,
        },
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()


def load_secrets(
    session: Session,
    installations: Iterable[Installation],
    *,
    secret_key: str,
    now: datetime | None = None,
) -> dict[int, tuple[str, ...]]:
    """The decrypted signing secrets of each remote installation, by installation id.

    The current secret comes first: the installation's own, else its OAuth client's. While
    the client's secret is being rotated (``OAuthClient.previous_webhook_secret_until`` is
    ahead of ``now``), the previous secret follows, so each delivery carries both
    signatures. A secret that cannot be decrypted is left out; an installation left with
    none maps to ``()``, which fails its deliveries (and only those) with a clear error.
    """
    remote = [i for i in installations if i.kind == REMOTE and i.id is not None]
    if not remote:
        return {}
    current_time = now or utcnow()
    listing_ids = {i.listing_id for i in remote if i.listing_id is not None}
    by_listing: dict[int, tuple[str, str]] = {}
    if listing_ids:
        for listing_id, secret, previous, until in session.exec(
            select(
                OAuthClient.listing_id,
                OAuthClient.webhook_secret,
                OAuthClient.previous_webhook_secret,
                OAuthClient.previous_webhook_secret_until,
            ).where(col(OAuthClient.listing_id).in_(listing_ids))
        ):
            overlapping = until is not None and _aware(until) > current_time
            by_listing.setdefault(listing_id, (secret, previous if overlapping else ""))
    loaded: dict[int, tuple[str, ...]] = {}
    for inst in remote:
        client_secret, previous = by_listing.get(inst.listing_id or 0, ("", ""))
        plain = [
            _decrypted(secret_key, token)
            for token in (inst.webhook_secret or client_secret, previous)
            if token
        ]
        loaded[inst.id or 0] = tuple(dict.fromkeys(p for p in plain if p))
    return loaded


def _decrypted(secret_key: str, token: str) -> str:
    try:
        return decrypt_secret(secret_key, token)
    except InvalidState:
        return ""


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they are UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class WebhookSender:
    """Sends signed deliveries on one keep-alive HTTP client shared by every thread.

    httpx clients may be shared between threads, and building one costs tens of
    milliseconds (its TLS context); its cookie jar accepts nothing, so one app's cookies
    never travel to another.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._http: httpx.Client | None = None
        self.user_agent = f"Tanzi-Webhooks/{core.__version__}"

    def _client(self) -> httpx.Client:
        client = self._http
        if client is None:
            with self._lock:
                client = self._http
                if client is None:
                    client = self._http = httpx.Client(
                        headers={"User-Agent": self.user_agent},
                        cookies=CookieJar(DefaultCookiePolicy(allowed_domains=[])),
                        follow_redirects=False,
                    )
        return client

    def send(
        self,
        installation: Any,
        outbox: OutboxEvent,
        *,
        secret: str | Sequence[str],
        timeout_s: float = WEBHOOK_TIMEOUT_S,
    ) -> str:
        """POST one event to the installation's ``webhook_url``; returns an error or ``""``.

        :param secret: the signing secret, or the secrets (current first) from
            :func:`load_secrets`; each one adds a signature to ``webhook-signature``.
        """
        if not installation.webhook_url:
            return "the installation has no webhook URL"
        keys = [secret] if isinstance(secret, str) else list(secret)
        if not any(keys):
            return "the installation has no readable webhook secret"
        body = webhook_body(outbox, installation_id=installation.id or 0)
        headers = signature_headers(
            [key for key in keys if key],
            body,
            event_id=outbox.event_id,
            topic=topic_of(outbox.name),
            timestamp=int(time.time()),
        )
        headers["Content-Type"] = "application/json"
        timeout = min(timeout_s, WEBHOOK_TIMEOUT_S)
        try:
            response = self._client().post(
                installation.webhook_url, content=body, headers=headers, timeout=timeout
            )
        except httpx.TimeoutException:
            return f"timed out after {timeout:g}s"
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"[:2000]
        if 200 <= response.status_code < 300:
            return ""
        text = response.text[:ERROR_BODY_CHARS].strip()
        return f"HTTP {response.status_code}" + (f": {text}" if text else "")


_senders: weakref.WeakKeyDictionary[Any, WebhookSender] = weakref.WeakKeyDictionary()
_senders_lock = threading.Lock()


def sender_for(owner: Any) -> WebhookSender:
    """The sender shared by everything that delivers for ``owner`` (the plugin host)."""
    sender = _senders.get(owner)
    if sender is None:
        with _senders_lock:
            sender = _senders.get(owner)
            if sender is None:
                sender = _senders[owner] = WebhookSender()
    return sender


def notify_webhooks_paused(session: Session, *, installation: Installation) -> None:
    """Tell the app's provider and the shop's owner that deliveries stopped (not committed).

    Called when the installation's circuit opens: the backlog is kept, a trial delivery
    follows after the cooldown, and the provider can replay the backlog at once.
    """
    listing = None
    if installation.listing_id is not None:
        listing = session.get(Listing, installation.listing_id)
    if listing is None:
        listing = session.exec(
            select(Listing).where(Listing.slug == installation.plugin_id)
        ).first()
    shop = session.get(Shop, installation.shop_id)
    name = listing.name if listing is not None else installation.plugin_id
    shop_name = shop.name if shop is not None else f"#{installation.shop_id}"
    replay = (
        f"/api/v1/shops/{installation.shop_id}/installations/{installation.plugin_id}"
        "/webhooks/replay"
    )
    params: dict[str, str | int] = {
        "app": name,
        "shop": shop_name,
        "failures": installation.consecutive_failures,
        "reason": installation.circuit_reason.split("last: ", 1)[-1][:300],
        "replay": replay,
    }
    recipients: list[int] = []
    if listing is not None:
        recipients.append(listing.provider_id)
    if shop is not None and shop.owner_id not in recipients:
        recipients.append(shop.owner_id)
    for account_id in recipients:
        is_provider = listing is not None and account_id == listing.provider_id
        notify(
            session,
            account_id=account_id,
            shop_id=installation.shop_id,
            kind="webhooks_paused",
            params=params,
            link=(
                f"/provider/listings/{listing.slug}"
                if is_provider and listing is not None
                else f"/console/shops/{installation.shop_id}/apps/{installation.plugin_id}"
            ),
        )
