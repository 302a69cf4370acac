"""A test plugin with webhook routes (``audience="webhook"``): one checks the signature
against a secret it keeps and counts the events, one is always busy, one needs a scope."""

from __future__ import annotations

from typing import Any

from sdk import PluginManifest, PluginRoute, ScopeRequest, hookimpl
from sdk.client import ShopClient
from sdk.remote import RetryLater, verify_webhook

manifest = PluginManifest(
    id="hook_receiver",
    name="Hook receiver",
    version="1.0.0",
    scopes=[ScopeRequest(scope="shop:read", reason="to take webhooks")],
    hooks=["register_routes"],
    requires_tanzi=">=0.1",
)


def receive(client: ShopClient, body: bytes, headers: dict[str, str]) -> None:
    """Verify with the kept secret, then count the event (once per id)."""
    secret = client.secrets.get("hook") or ""  # type: ignore[attr-defined]
    event = verify_webhook(secret, headers, body)
    client.records.put("events", event.event_id, {"topic": event.topic}, if_absent=True)


def busy() -> None:
    """Never ready."""
    raise RetryLater("busy", retry_after_s=7)


def scoped(params: dict[str, Any]) -> dict[str, Any]:
    """Answers JSON, when the installation holds orders:write."""
    return {"ok": True, "params": params}


def where(hooks_url: str) -> dict[str, str]:
    """A merchant page that says where the plugin's webhook routes are."""
    return {"hooks_url": hooks_url}


@hookimpl
def register_routes() -> list[PluginRoute]:
    """The webhook routes, and a merchant page saying where they are."""
    return [
        PluginRoute(path="/where", endpoint=where),
        PluginRoute(path="/in", endpoint=receive, methods=("POST",), audience="webhook"),
        PluginRoute(path="/busy", endpoint=busy, methods=("POST",), audience="webhook"),
        PluginRoute(
            path="/scoped",
            endpoint=scoped,
            methods=("POST",),
            audience="webhook",
            scope="orders:write",
        ),
    ]
