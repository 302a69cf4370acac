"""Sleeps in its ``order_paid`` hook longer than the review's time limit in the tests."""

from __future__ import annotations

import time
from typing import Any

from sdk import OrderEvent, PluginManifest, ScopeRequest, ShopClient, hookimpl
from sdk.scopes import Scope

SLEEP_S = 1.5

manifest = PluginManifest(
    id="sample_slow",
    name="Sample slow",
    version="1.0.0",
    scopes=[ScopeRequest(scope=Scope.orders_read, reason="to read the paid order")],
    hooks=["order_paid"],
    requires_tanzi=">=0.1",
)


@hookimpl
def order_paid(event: OrderEvent, client: ShopClient, settings: Any) -> None:
    time.sleep(SLEEP_S)
