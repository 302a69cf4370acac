"""The HTTP client's webhook subscription (``client.webhooks``): a remote app points its
own installation's signed deliveries at a URL, for the topics it needs.

Only remote apps have it: an in-process plugin gets its events as hooks (the host calls
``inventory_changed`` and the others directly), so the in-process clients have no
``webhooks`` and the :class:`~sdk.client.ShopClient` protocol does not name it. A plugin
that subscribes *another* shop's events to one of its own ``audience="webhook"`` routes
does it through an ``HttpShopClient`` on that shop (see the SDK guide).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sdk.models import Snapshot

if TYPE_CHECKING:
    from sdk.http.client import HttpShopClient

PATH = "installation/webhook"


class WebhookSubscription(Snapshot):
    """Where the installation's events go; ``secret`` signs them and is shown only once."""

    url: str
    topics: tuple[str, ...]
    secret: str


class HttpWebhooks:
    """``client.webhooks``: set or stop the token's installation's webhook subscription."""

    def __init__(self, client: HttpShopClient) -> None:
        self._c = client

    def subscribe(self, url: str, topics: Sequence[str]) -> WebhookSubscription:
        """Send the installation's events of ``topics`` (e.g. ``inventory.changed``) to
        ``url``, signed by the Standard Webhooks scheme with the returned ``secret`` (keep it:
        it is never shown again). Only topics the granted scopes may read are accepted
        (:class:`~sdk.errors.InvalidRequest` with the field path otherwise); a new call
        replaces the subscription and its secret."""
        answer = self._c._call(
            "PUT", PATH, json={"url": url, "topics": list(topics)}, idempotent=True
        ).json()
        return WebhookSubscription.model_validate(answer)

    def unsubscribe(self) -> None:
        """Stop the installation's webhooks."""
        self._c._call("DELETE", PATH, idempotent=True)
