"""Any Standard Webhooks library verifies Tanzi's deliveries: here the reference one for
Python (``pip install standardwebhooks``), in an app that does not use Tanzi's SDK."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError


def verified_event(secret: str, headers: Mapping[str, str], body: bytes) -> Any | None:
    """The parsed event when the request is Tanzi's and fresh, else ``None`` (answer 401).

    ``secret`` is the ``whsec_...`` value the provider console shows.
    """
    try:
        return Webhook(secret).verify(body, dict(headers))  # the raw body, before parsing
    except WebhookVerificationError:
        return None
