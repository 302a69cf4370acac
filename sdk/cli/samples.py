"""Sample hook arguments for ``tanzi-sdk fire``, taken from a :class:`~sdk.testing.FakeShop`.

Each event's resource is one of the fake shop's own rows, put in the state the event
describes (``order_cancelled`` cancels the pending order, ``aftersale_resolved`` refunds the
request), so a plugin that reads the resource back through its client sees what the event
says. ``overrides`` replace top-level fields of the resource, in the event and in the shop.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sdk.events import EVENT_TYPES, build_event
from sdk.manifest import PluginManifest
from sdk.models import OrderDraft, OrderLine, ProductDraft, QuoteRequest
from sdk.testing import FakeShop

#: Hooks that take no arguments (registrations).
REGISTRATIONS = frozenset(
    {
        "register_routes",
        "register_carriers",
        "register_importers",
        "register_job_kinds",
        "register_merchant_actions",
    }
)
#: Decision hooks and the name of their first argument.
DECISIONS = {
    "product_validate": "product",
    "logistics_quote": "request",
    "order_adjustments": "order",
}
#: Which fake order each order event is about, and the status it puts it in.
_ORDER_OF = {
    "order_created": (3, "pending_payment"),
    "order_paid": (1, "paid"),
    "order_cancelled": (3, "cancelled"),
    "order_shipped": (2, "shipped"),
    "order_delivered": (2, "delivered"),
    "order_completed": (2, "completed"),
}


def firable() -> list[str]:
    """Every hook ``fire`` can call, events first."""
    return [*EVENT_TYPES, *DECISIONS, *sorted(REGISTRATIONS)]


def _merge(row: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    row.update(overrides)
    return dict(row)


def _product(shop: FakeShop, product_id: int, overrides: dict[str, Any]) -> dict[str, Any]:
    row = _merge(shop.product_rows[product_id], overrides)
    return {**row, "skus": [s for s in shop.sku_rows.values() if s["product_id"] == product_id]}


def _order(shop: FakeShop, name: str, overrides: dict[str, Any]) -> dict[str, Any]:
    order_id, status = _ORDER_OF[name]
    return _merge(shop.order_rows[order_id], {"status": status, **overrides})


def _aftersale(shop: FakeShop, name: str, overrides: dict[str, Any]) -> dict[str, Any]:
    row = shop.aftersale_rows[1]
    if name == "aftersale_resolved":
        row.update(status="completed", outcome="refunded", refunded_fen=row["amount_fen"])
    return _merge(row, overrides)


def sample_event_data(
    name: str, shop: FakeShop, manifest: PluginManifest, overrides: dict[str, Any]
) -> tuple[str, int, dict[str, Any]]:
    """``(resource type, resource id, kernel data)`` of event ``name`` in ``shop``."""
    if name.startswith("product_"):
        product = _product(shop, 1, overrides)
        return "product", product["id"], {"product": product}
    if name == "inventory_changed":
        sku = _merge(shop.sku_rows[1], overrides)
        return "sku", sku["id"], {"sku": sku, "delta": -1, "stock": sku["stock"]}
    if name in _ORDER_OF:
        order = _order(shop, name, overrides)
        return "order", order["id"], {"order": order}
    if name.startswith("aftersale_"):
        aftersale = _aftersale(shop, name, overrides)
        outcome = aftersale["outcome"] if name == "aftersale_resolved" else None
        return "aftersale", aftersale["id"], {"aftersale": aftersale, "outcome": outcome}
    if name in ("shipment_created", "tracking_updated"):
        shipment = _merge(shop.shipment_rows[1], overrides)
        data: dict[str, Any] = {"shipment": shipment}
        if name == "tracking_updated":
            data["tracking_event"] = {
                "id": 1,
                "shipment_id": shipment["id"],
                "status": "in_transit",
                "description": "到达杭州转运中心 Arrived at the Hangzhou hub",
                "location": "杭州",
                "occurred_at": datetime.now(UTC),
            }
        return "shipment", shipment["id"], data
    if name.startswith("installation_"):
        installation = {
            "id": shop.installation_id or 1,
            "shop_id": shop.shop_id,
            "plugin_id": manifest.id,
            "version": manifest.version,
            "status": "active" if name == "installation_created" else "removed",
            "granted_scopes": sorted(shop.scopes),
            "settings": {},
            **overrides,
        }
        return "installation", installation["id"], {"installation": installation}
    raise KeyError(name)


def sample_arguments(
    name: str, shop: FakeShop, manifest: PluginManifest, overrides: dict[str, Any]
) -> dict[str, Any]:
    """The keyword arguments, but ``client`` and ``settings``, the host would pass to hook
    ``name`` (``{}`` for registrations).

    :raises KeyError: when ``name`` is not a hook ``fire`` knows.
    """
    if name in REGISTRATIONS:
        return {}
    if name in EVENT_TYPES:
        resource_type, resource_id, data = sample_event_data(name, shop, manifest, overrides)
        event = build_event(
            name,
            data,
            event_id=f"evt_sample_{uuid.uuid4().hex[:12]}",
            shop_id=shop.shop_id,
            occurred_at=datetime.now(UTC),
            sequence=1,
            resource_type=resource_type,
            resource_id=resource_id,
        )
        return {"event": event}
    order = shop.order_rows[1]
    lines = [OrderLine.model_validate(line) for line in order["lines"]]
    if name == "product_validate":
        product = _product(shop, 1, {})
        return {"product": ProductDraft.model_validate({**product, **overrides})}
    if name == "logistics_quote":
        fields = {
            "province_code": order["province_code"],
            "weight_g": 500,
            "lines": lines,
            "subtotal_fen": order["subtotal_fen"],
        }
        return {"request": QuoteRequest.model_validate({**fields, **overrides})}
    if name == "order_adjustments":
        fields = {
            "province_code": order["province_code"],
            "subtotal_fen": order["subtotal_fen"],
            "lines": lines,
        }
        return {"order": OrderDraft.model_validate({**fields, **overrides})}
    raise KeyError(name)
