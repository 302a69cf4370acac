"""A test plugin that implements every hook and records each call (file: $TANZI_TEST_RECORD_FILE)."""

from __future__ import annotations

import os
import time
from typing import Any

from sdk import (
    Adjustment,
    Carrier,
    Importer,
    MerchantAction,
    PluginManifest,
    PluginRoute,
    Problem,
    Quote,
    ScopeRequest,
    hookimpl,
)
from sdk.jobs import JobKind

CALLS: list[tuple[str, Any]] = []

manifest = PluginManifest(
    id="recorder",
    name="Recorder",
    version="1.0.0",
    scopes=[ScopeRequest(scope="products:read", reason="to read products")],
    hooks=[
        "product_created",
        "product_updated",
        "product_deleted",
        "inventory_changed",
        "order_created",
        "order_paid",
        "order_cancelled",
        "order_shipped",
        "order_delivered",
        "order_completed",
        "aftersale_requested",
        "aftersale_resolved",
        "shipment_created",
        "tracking_updated",
        "installation_created",
        "installation_removed",
        "product_validate",
        "logistics_quote",
        "order_adjustments",
        "register_routes",
        "register_carriers",
        "register_importers",
        "register_job_kinds",
        "register_merchant_actions",
    ],
    requires_tanzi=">=0.1",
)


def _record(name: str, event: Any) -> None:
    CALLS.append((name, event))
    path = os.environ.get("TANZI_TEST_RECORD_FILE")
    if path:
        time.sleep(float(os.environ.get("TANZI_TEST_HOOK_SLEEP", "0")))
        with open(path, "a") as f:
            f.write(f"{name} {event.event_id}\n")


@hookimpl
def product_created(event: Any, client: Any, settings: Any) -> None:
    _record("product_created", event)


@hookimpl
def product_updated(event: Any, client: Any, settings: Any) -> None:
    _record("product_updated", event)


@hookimpl
def product_deleted(event: Any, client: Any, settings: Any) -> None:
    _record("product_deleted", event)


@hookimpl
def inventory_changed(event: Any, client: Any, settings: Any) -> None:
    _record("inventory_changed", event)


@hookimpl
def order_created(event: Any, client: Any, settings: Any) -> None:
    _record("order_created", event)


@hookimpl
def order_paid(event: Any, client: Any, settings: Any) -> None:
    _record("order_paid", event)


@hookimpl
def order_cancelled(event: Any, client: Any, settings: Any) -> None:
    _record("order_cancelled", event)


@hookimpl
def order_shipped(event: Any, client: Any, settings: Any) -> None:
    _record("order_shipped", event)


@hookimpl
def order_delivered(event: Any, client: Any, settings: Any) -> None:
    _record("order_delivered", event)


@hookimpl
def order_completed(event: Any, client: Any, settings: Any) -> None:
    _record("order_completed", event)


@hookimpl
def aftersale_requested(event: Any, client: Any, settings: Any) -> None:
    _record("aftersale_requested", event)


@hookimpl
def aftersale_resolved(event: Any, client: Any, settings: Any) -> None:
    _record("aftersale_resolved", event)


@hookimpl
def shipment_created(event: Any, client: Any, settings: Any) -> None:
    _record("shipment_created", event)


@hookimpl
def tracking_updated(event: Any, client: Any, settings: Any) -> None:
    _record("tracking_updated", event)


@hookimpl
def installation_created(event: Any, client: Any, settings: Any) -> None:
    _record("installation_created", event)


@hookimpl
def installation_removed(event: Any, client: Any, settings: Any) -> None:
    _record("installation_removed", event)


@hookimpl
def product_validate(product: Any, client: Any, settings: Any) -> list[Problem]:
    CALLS.append(("product_validate", product))
    return [Problem(field="title", message="no 'x' allowed")] if "x" in product.title else []


@hookimpl
def logistics_quote(request: Any, client: Any, settings: Any) -> Quote:
    CALLS.append(("logistics_quote", request))
    return Quote(carrier_code="recorder", amount_fen=1)


@hookimpl
def order_adjustments(order: Any, client: Any, settings: Any) -> list[Adjustment]:
    CALLS.append(("order_adjustments", order))
    return [Adjustment(label="recorder discount", amount_fen=-100)]


def _page() -> str:
    return "hello"


@hookimpl
def register_routes() -> list[PluginRoute]:
    CALLS.append(("register_routes", None))
    return [PluginRoute(path="/hello", endpoint=_page)]


@hookimpl
def register_carriers() -> list[Carrier]:
    CALLS.append(("register_carriers", None))
    return [Carrier(code="recorder_express", name="Recorder Express")]


@hookimpl
def register_importers() -> list[Importer]:
    CALLS.append(("register_importers", None))
    return [Importer(code="recorder_csv", name="Recorder CSV")]


@hookimpl
def register_job_kinds() -> list[JobKind]:
    CALLS.append(("register_job_kinds", None))
    return [JobKind(code="noop", name="No-op", run=lambda ctx: None)]


@hookimpl
def register_merchant_actions() -> list[MerchantAction]:
    CALLS.append(("register_merchant_actions", None))
    return [MerchantAction(code="ping", label="Ping", url="/plugins/recorder/hello")]
