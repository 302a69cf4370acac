"""A plugin that passes every check: it reads the paid order, with ``orders:read`` only."""

from __future__ import annotations

from typing import Any

from sdk import OrderEvent, PluginManifest, ScopeRequest, ShopClient, hookimpl
from sdk.scopes import Scope

manifest = PluginManifest(
    id="sample_good",
    name="Sample good",
    version="1.0.0",
    category="orders",
    scopes=[ScopeRequest(scope=Scope.orders_read, reason="to read the paid order's total")],
    hooks=["order_paid"],
    requires_tanzi=">=0.1",
)


@hookimpl
def order_paid(event: OrderEvent, client: ShopClient, settings: Any) -> None:
    order = client.orders.get(event.order.id)
    client.records.put("seen", str(order.id), {"total_fen": order.total_fen})
