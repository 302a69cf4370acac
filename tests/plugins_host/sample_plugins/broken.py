"""A test plugin that fails: raises on order_paid, hangs on product_created and in decisions."""

from __future__ import annotations

import time
from typing import Any

from sdk import PluginManifest, ScopeRequest, hookimpl

manifest = PluginManifest(
    id="broken",
    name="Broken",
    version="1.0.0",
    scopes=[ScopeRequest(scope="orders:read", reason="to read orders")],
    hooks=["order_paid", "product_created", "logistics_quote", "product_validate"],
)


@hookimpl
def order_paid(event: Any, client: Any, settings: Any) -> None:
    raise RuntimeError("boom")


@hookimpl
def product_created(event: Any, client: Any, settings: Any) -> None:
    time.sleep(5)


@hookimpl
def logistics_quote(request: Any, client: Any, settings: Any) -> None:
    time.sleep(2)


@hookimpl
def product_validate(product: Any, client: Any, settings: Any) -> list[Any]:
    raise ValueError("validator crashed")
