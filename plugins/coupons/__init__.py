"""Coupons (卡券): fixed or percentage discounts that buyers claim and use at checkout.

The merchant creates coupons in the console (discount, spend threshold, validity window,
per-buyer limit, total quantity), sees how many were claimed and redeemed, and downloads a
redemption report. Buyers claim them on the shop's storefront (a buyer page) and enter the
code at checkout; the ``order_adjustments`` decision then takes one use of the buyer's claim
and answers the discount, which the order keeps as its adjustment. Every limit is an atomic
counter in the installation's records (:mod:`plugins.coupons.ledger`). The plugin imports
only ``sdk`` and pydantic, like any third party's.
"""

from __future__ import annotations

from typing import Any

from plugins.coupons import ledger
from plugins.coupons.pages import routes
from sdk import PluginManifest, PluginRoute, ScopeRequest, ShopClient, hookimpl
from sdk.models import Adjustment, OrderDraft
from sdk.scopes import Scope

manifest = PluginManifest(
    id="coupons",
    name="Coupons (卡券)",
    version="1.0.0",
    category="marketing",
    description=(
        "Fixed or percentage coupons with a spend threshold, a validity window, a per-buyer "
        "limit and a total quantity; buyers claim them on your storefront and use them at "
        "checkout; you see what was claimed and redeemed."
    ),
    scopes=[
        ScopeRequest(
            scope=Scope.orders_read,
            reason="to price a coupon on the order a buyer places, and to show your "
            "coupon pages to the members who handle orders",
        ),
        ScopeRequest(
            scope=Scope.orders_write,
            reason="so that only members who may change orders create coupons",
        ),
    ],
    hooks=["order_adjustments", "register_routes"],
    pricing={"model": "free"},
    requires_tanzi=">=0.1",
)


@hookimpl
def order_adjustments(order: OrderDraft, client: ShopClient, settings: Any) -> list[Adjustment]:
    """The discount of the coupon code the buyer entered, when they hold an unused claim."""
    return ledger.redeem(client, order, ledger.now_utc())


@hookimpl
def register_routes() -> list[PluginRoute]:
    """The merchant's coupon pages and the buyer's coupon page."""
    return routes()
