"""A plugin that hears another Tanzi shop's stock changes within seconds: the merchant
connects the other shop with a token it granted, the plugin subscribes that shop's
``inventory.changed`` to its own webhook route on this host, and the route checks each
delivery's signature with the secret it kept."""

from __future__ import annotations

from typing import Any

from sdk import PluginManifest, PluginRoute, hookimpl
from sdk.client import HostedShopClient
from sdk.http import HttpShopClient
from sdk.remote import verify_webhook

manifest = PluginManifest(
    id="acme_stock_watch",
    name="Stock watch",
    version="0.1.0",
    category="products",
    hooks=["register_routes"],
    requires_tanzi=">=0.1",
)
SECRET = "other-shop-hook"


def connect(client: HostedShopClient, params: dict[str, Any], hooks_url: str) -> str:
    """Subscribe the other shop's stock events to ``<hooks_url>/stock``; keep the secret."""
    with HttpShopClient(params["base_url"], int(params["shop_id"]), token=params["token"]) as other:
        subscription = other.webhooks.subscribe(f"{hooks_url}/stock", ["inventory.changed"])
    client.secrets.put(SECRET, subscription.secret)  # sealed; the other shop shows it once
    return "Connected: its stock changes arrive here within seconds."


def on_stock(client: HostedShopClient, body: bytes, headers: dict[str, str]) -> dict[str, str]:
    """Verify (401 otherwise), skip a repeat or an older change, keep the newest stock."""
    event = verify_webhook(client.secrets.get(SECRET) or "", headers, body)
    code = str(event.data["sku"]["code"])
    known = client.records.get("other_stock", code)
    if known is not None and int(known.data["sequence"]) >= event.sequence:
        return {"outcome": "already known"}
    client.records.put(
        "other_stock", code, {"stock": event.data["stock"], "sequence": event.sequence}
    )
    return {"outcome": "kept"}


@hookimpl
def register_routes() -> list[PluginRoute]:
    """The merchant's connect form and the public, signature-checked webhook route."""
    return [
        PluginRoute(path="/connect", endpoint=connect, methods=("POST",)),
        PluginRoute(path="/stock", endpoint=on_stock, methods=("POST",), audience="webhook"),
    ]
