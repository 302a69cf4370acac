"""A hook implementation whose arguments do not fit the spec (``coupon`` is no argument of
``order_paid``): pluggy refuses it, so the host cannot register it."""

from __future__ import annotations

from typing import Any

from sdk import OrderEvent, PluginManifest, ScopeRequest, hookimpl
from sdk.scopes import Scope

manifest = PluginManifest(
    id="sample_bad_hooks",
    name="Sample bad hooks",
    version="1.0.0",
    scopes=[ScopeRequest(scope=Scope.orders_read, reason="to read the paid order")],
    hooks=["order_paid"],
    requires_tanzi=">=0.1",
)


@hookimpl
def order_paid(event: OrderEvent, coupon: Any) -> None:
    del event, coupon
