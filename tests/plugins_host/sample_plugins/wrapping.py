"""A test plugin whose hooks are pluggy wrappers (``wrapper=True``): around two decisions
and an event."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from sdk import PluginManifest, ScopeRequest, hookimpl

manifest = PluginManifest(
    id="wrapping",
    name="Wrapping",
    version="1.0.0",
    scopes=[ScopeRequest(scope="products:read", reason="to read products")],
    hooks=["order_adjustments", "logistics_quote", "order_paid"],
)

#: What the event wrapper saw.
WRAPPED: list[tuple[str, Any]] = []


@hookimpl(wrapper=True)
def order_adjustments(order: Any, client: Any, settings: Any) -> Generator[None, Any, Any]:
    return (yield)


@hookimpl(wrapper=True)
def logistics_quote(request: Any, client: Any, settings: Any) -> Generator[None, Any, Any]:
    return (yield)


@hookimpl(wrapper=True)
def order_paid(event: Any, client: Any, settings: Any) -> Generator[None, Any, Any]:
    result = yield
    WRAPPED.append(("order_paid", event.event_id))
    return result
