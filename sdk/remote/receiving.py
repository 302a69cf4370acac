"""Receiving a signed webhook in a plugin's own route (``PluginRoute(audience="webhook")``).

The host serves such a route at ``/hooks/shops/<shop id>/apps/<plugin id><path>`` without
a login: the handler gets the raw ``body`` and the ``headers`` and checks the signature
itself, against the secret it keeps (``client.secrets``), with :func:`verify_webhook`::

    def on_hook(client, body: bytes, headers: dict[str, str]) -> dict:
        event = verify_webhook(client.secrets.get("hook") or "", headers, body)
        ...
        return {"ok": True}

An :class:`~sdk.remote.signing.InvalidSignature` escaping the handler is answered 401 and
:class:`RetryLater` 503 with ``Retry-After``, so the sender delivers again later; a handler
that returns ``None`` answers 204, a dict/list/model 200 JSON.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import ValidationError

from sdk.remote.events import WebhookEvent
from sdk.remote.signing import DEFAULT_TOLERANCE_S, InvalidSignature, Secret, verify_signature


class RetryLater(Exception):
    """The receiver cannot act on this delivery now (busy, the other side down); the host
    answers 503 with ``Retry-After: retry_after_s`` and the sender retries."""

    def __init__(self, detail: str, *, retry_after_s: int = 1) -> None:
        super().__init__(detail)
        self.retry_after_s = max(0, int(retry_after_s))


def verify_webhook(
    secret: Secret,
    headers: Mapping[str, str],
    body: bytes,
    *,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
) -> WebhookEvent:
    """The delivery's event once its signature and freshness hold.

    :raises InvalidSignature: on a missing or wrong signature, a stale or future timestamp,
        an empty ``secret``, or a body that is not a webhook event (``reason`` ``bad_body``).
    """
    if not secret:
        raise InvalidSignature("no_secret", "The receiver holds no secret for this webhook.")
    verify_signature(secret, headers, body, tolerance_s=tolerance_s)
    try:
        return WebhookEvent.parse(body)
    except ValidationError as exc:
        raise InvalidSignature("bad_body", f"The body is not a webhook event: {exc}") from exc
