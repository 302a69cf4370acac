"""Asks for ``orders:read`` but its ``product_updated`` hook reads products: the scopes check
finds ``products:read`` missing, and the sandbox sees the call denied."""

from __future__ import annotations

from typing import Any

from sdk import PluginManifest, ProductEvent, ScopeRequest, ShopClient, hookimpl
from sdk.scopes import Scope

manifest = PluginManifest(
    id="sample_missing",
    name="Sample missing scope",
    version="1.0.0",
    scopes=[ScopeRequest(scope=Scope.orders_read, reason="to read orders, it says")],
    hooks=["product_updated"],
    requires_tanzi=">=0.1",
)


@hookimpl
def product_updated(event: ProductEvent, client: ShopClient, settings: Any) -> None:
    client.products.get(event.product.id)
