"""Changes on another Tanzi shop reach this shop within seconds, by signed webhook.

When a ``tanzi`` channel is connected, :func:`subscribe` asks the other shop (with the
channel's token, ``PUT /api/v1/installation/webhook``) to send its ``inventory.changed``
events to this plugin's webhook route on this host,
``<hooks url>/channels/<name>/events``, and keeps the signing secret it answers sealed in
``client.secrets``. The hooks URL is the one the host hands merchant pages
(``hooks_url``: the host's ``TANZI_BASE_URL`` when set, else the address the merchant
reached it at), so the other host must be able to reach this one there.

:func:`on_channel_event` is that route: it verifies the signature (401 otherwise, nothing
moves), handles each event id once (the ``seen_events`` records), skips the echoes of this
plugin's own moves there (their ``change_id`` starts with ``sync-``, see
:mod:`plugins.catalog_sync.stock`: without that each move would come back as an event and
be rebalanced again), finds the mapped item by the other side's SKU code and rebalances it.
A SKU another worker is rebalancing answers 503 (``RetryLater``): the other host delivers
again after its backoff. The other side's events arrive per resource in order, and a
rebalance reads both stocks afresh, so an event that comes late changes nothing twice.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

import httpx

from plugins.catalog_sync import records as rec
from plugins.catalog_sync import status as st
from plugins.catalog_sync.channels import (
    ChannelConfig,
    channel_config,
    open_store,
    tanzi_client,
)
from plugins.catalog_sync.mapping import MappedItem, all_mapped, mapped
from plugins.catalog_sync.stock import ECHO_PREFIX, ChannelBusy
from plugins.catalog_sync.sync import ChannelSync
from sdk.channels import ChannelStore
from sdk.client import HostedShopClient, ShopClient
from sdk.errors import ClientError
from sdk.remote import RetryLater, WebhookEvent, verify_webhook

#: The other shop's events this channel listens to.
TOPICS = ("inventory.changed",)
#: The plugin's webhook route (``audience="webhook"``), relative to the hooks URL.
HOOK_PATH = "/channels/{name}/events"
#: How long a delivery waits for another worker's lease before answering 503.
HOOK_LEASE_WAIT_S = 0.5


#: Channel stores kept between deliveries (see :func:`_store`), at most this many.
STORES_KEPT = 64
_stores: dict[tuple[int, str], ChannelStore] = {}
_stores_lock = threading.Lock()


def _store(client: HostedShopClient, config: ChannelConfig) -> ChannelStore:
    """The channel's store, kept between deliveries: opening one builds an HTTP client (its
    TLS context) and learns the other shop's SKU ids by listing its products, which would
    otherwise be most of a delivery's work. Keyed by the shop, the channel's settings and
    its token, so a changed channel opens afresh. Only Tanzi stores are kept (an Oscar
    store holds the client it was opened with)."""
    if config.kind != "tanzi":
        return open_store(client, config)
    token = client.secrets.get(rec.secret_name(config.name)) or ""
    digest = hashlib.sha256((config.model_dump_json() + token).encode()).hexdigest()
    key = (client.shop_id, digest)
    with _stores_lock:
        found = _stores.get(key)
    if found is not None:
        return found
    store = open_store(client, config)
    with _stores_lock:
        if len(_stores) >= STORES_KEPT:
            _stores.clear()
        return _stores.setdefault(key, store)


def hook_secret_name(channel: str) -> str:
    """The name of the channel's webhook signing secret in ``client.secrets``."""
    return f"hook:{channel}"


def hook_url(hooks_url: str, channel: str) -> str:
    """Where the other shop posts the channel's events."""
    return hooks_url.rstrip("/") + HOOK_PATH.format(name=channel)


def subscribe(client: HostedShopClient, config: ChannelConfig, hooks_url: str) -> bool:
    """Subscribe the other shop's stock events to this host; ``False`` (with the reason in
    the channel's errors) when the channel is not another Tanzi or refuses. The
    reconciliation and "Sync now" still catch up without it."""
    if config.kind != "tanzi":
        return False
    try:
        with tanzi_client(client, config) as other:
            subscription = other.webhooks.subscribe(hook_url(hooks_url, config.name), TOPICS)
    except (httpx.HTTPError, ClientError) as exc:
        st.note_error(client, config.name, "", f"events by webhook are off: {exc}")
        return False
    client.secrets.put(hook_secret_name(config.name), subscription.secret)
    return True


def _item_of(client: ShopClient, channel: str, code: str) -> MappedItem | None:
    item = mapped(client, channel, code)
    if item is not None and item.channel_code == code:
        return item
    return next((m for m in all_mapped(client, channel) if m.channel_code == code), None)


def _handle(client: HostedShopClient, config: ChannelConfig, event: WebhookEvent) -> str:
    sku = event.data.get("sku")
    code = str(sku.get("code") or "") if isinstance(sku, dict) else ""
    item = _item_of(client, config.name, code) if code else None
    if item is None:
        return "unmapped"
    try:
        ChannelSync(client, config, _store(client, config)).rebalance(
            item, wait_s=HOOK_LEASE_WAIT_S
        )
    except ChannelBusy as exc:
        raise RetryLater(str(exc), retry_after_s=1) from exc
    return "rebalanced"


def on_channel_event(
    client: ShopClient, path_params: dict[str, Any], body: bytes, headers: dict[str, str]
) -> dict[str, str]:
    """The webhook route: verify, dedupe by event id, rebalance the SKU (see the module)."""
    from plugins.catalog_sync import hosted

    hosted_client = hosted(client)
    name = str(path_params.get("name", ""))
    secret = hosted_client.secrets.get(hook_secret_name(name)) or ""
    event = verify_webhook(secret, headers, body)  # InvalidSignature: 401, nothing moves
    if str(event.data.get("change_id") or "").startswith(ECHO_PREFIX):
        return {"outcome": "echo"}  # the sync's own move there: nothing to do, nothing to keep
    config = channel_config(client, name)
    if config is None:
        return {"outcome": "unknown_channel"}
    seen = rec.key(name, "hook", event.event_id)
    if client.records.get(rec.SEEN, seen) is not None:
        return {"outcome": "duplicate"}
    outcome = _handle(hosted_client, config, event)
    client.records.put(rec.SEEN, seen, {"sequence": event.sequence}, if_absent=True)
    return {"outcome": outcome}
