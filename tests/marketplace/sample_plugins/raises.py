"""Raises in its ``order_paid`` hook: the sandbox records the exception."""

from __future__ import annotations

from typing import Any

from sdk import OrderEvent, PluginManifest, ScopeRequest, ShopClient, hookimpl
from sdk.scopes import Scope

manifest = PluginManifest(
    id="sample_raises",
    name="Sample raises",
    version="1.0.0",
    scopes=[ScopeRequest(scope=Scope.orders_read, reason="to read the paid order")],
    hooks=["order_paid"],
    requires_tanzi=">=0.1",
)


@hookimpl
def order_paid(event: OrderEvent, client: ShopClient, settings: Any) -> None:
    raise RuntimeError("the sample plugin broke")
