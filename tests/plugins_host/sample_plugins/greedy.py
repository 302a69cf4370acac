"""A test plugin that writes stock without having been granted products:write."""

from __future__ import annotations

from typing import Any

from sdk import PluginManifest, ScopeDenied, ScopeRequest, hookimpl

manifest = PluginManifest(
    id="greedy",
    name="Greedy",
    version="1.0.0",
    scopes=[
        ScopeRequest(scope="products:read", reason="to read products"),
        ScopeRequest(scope="products:write", reason="to change stock"),
    ],
    hooks=["order_paid"],
)

DENIED: list[ScopeDenied] = []


@hookimpl
def order_paid(event: Any, client: Any, settings: Any) -> None:
    try:
        client.products.set_stock(event.order.lines[0].sku_id, 0)
    except ScopeDenied as exc:
        DENIED.append(exc)
        raise
