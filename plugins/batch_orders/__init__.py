"""Batch order processing (订单批量处理): ship from a sheet, cancel unpaid orders, export
orders, notes and flags.

- **Ship from a sheet** (批量发货, job ``ship``): an uploaded CSV/XLSX of order number,
  carrier and waybill; good rows ship, bad ones go to a report in the merchant's language;
  re-uploading changes nothing (:mod:`shipping`).
- **Cancel unpaid orders** with a reason: on the orders the merchant selects (an action,
  each order's result live) or on every unpaid order placed in chosen days (job
  ``cancel_unpaid``).
- **Export** orders to XLSX (streamed, openpyxl write-only) or CSV by status and days, or
  the selection to CSV; buyer details only through the exports declaring ``orders:pii``;
  cells neutralized against formula injection (:mod:`export`, :mod:`selection`).
- **Notes and flags** on selected orders: the merchant's own note and a coloured flag.

The plugin imports only ``sdk`` (and openpyxl, for workbooks).
"""

from __future__ import annotations

from plugins.batch_orders.actions import merchant_actions
from plugins.batch_orders.jobs import JOB_KINDS
from plugins.batch_orders.pages import routes
from plugins.batch_orders.selection import (
    COLUMNS,
    PII_COLUMNS,
    export_csv,
    export_orders,
    export_orders_with_buyers,
    neutralize,
    order_row,
)
from sdk import MerchantAction, PluginManifest, PluginRoute, ScopeRequest, hookimpl
from sdk.jobs import JobKind
from sdk.scopes import Scope

manifest = PluginManifest(
    id="batch_orders",
    name="Batch orders (订单批量处理)",
    version="0.2.0",
    category="orders",
    description=(
        "Ship many orders from one spreadsheet of waybills, cancel unpaid orders in bulk, "
        "export orders to Excel or CSV, and note and flag orders."
    ),
    scopes=[
        ScopeRequest(scope=Scope.orders_read, reason="to read the orders you ship and export"),
        ScopeRequest(
            scope=Scope.orders_write,
            reason="to cancel the unpaid orders you choose and keep your notes and flags",
        ),
        ScopeRequest(
            scope=Scope.orders_pii,
            reason="to add buyers' names, phones and addresses when you export with them",
        ),
        ScopeRequest(
            scope=Scope.logistics_read, reason="to see which orders a sheet already shipped"
        ),
        ScopeRequest(
            scope=Scope.logistics_write, reason="to ship the orders in your sheet with its waybills"
        ),
        ScopeRequest(
            scope=Scope.products_read,
            reason="to read the sheets you upload (the shop keeps uploads with its product files)",
        ),
    ],
    hooks=["register_merchant_actions", "register_job_kinds", "register_routes"],
    requires_tanzi=">=0.1",
)


@hookimpl
def register_merchant_actions() -> list[MerchantAction]:
    """Export, cancel, note and flag on the orders list."""
    return merchant_actions()


@hookimpl
def register_job_kinds() -> list[JobKind]:
    """Ship from a sheet; cancel unpaid orders by days."""
    return list(JOB_KINDS)


@hookimpl
def register_routes() -> list[PluginRoute]:
    """Ship, cancel, export and job pages."""
    return routes()


__all__ = [
    "COLUMNS",
    "PII_COLUMNS",
    "export_csv",
    "export_orders",
    "export_orders_with_buyers",
    "manifest",
    "neutralize",
    "order_row",
    "register_job_kinds",
    "register_merchant_actions",
    "register_routes",
]
