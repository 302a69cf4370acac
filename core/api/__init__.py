"""The open API under ``/api/v1``: one router per resource, assembled here."""

from __future__ import annotations

from fastapi import APIRouter

from core.api import (
    accounts,
    aftersales,
    carrier_accounts,
    categories,
    files,
    import_formats,
    installations,
    jobs,
    members,
    notifications,
    orders,
    pickup,
    platform_search,
    plugin_records,
    plugins,
    product_batch,
    product_images,
    products,
    qualifications,
    shipments,
    shipping_templates,
    shop_files,
    shop_icon,
    shops,
    sku_prices,
    storefront,
    storefront_origins,
    webhook_subscription,
    webhooks,
)

API_PREFIX = "/api/v1"


def build_api_router() -> APIRouter:
    """A fresh router with every kernel route (no module-level state is shared)."""
    api = APIRouter(prefix=API_PREFIX)
    for module in (
        accounts,
        shops,
        shop_icon,
        members,
        categories,
        qualifications,
        product_batch,
        products,
        sku_prices,
        product_images,
        shop_files,
        files,
        orders,
        pickup,
        aftersales,
        shipments,
        carrier_accounts,
        shipping_templates,
        storefront,
        platform_search,
        storefront_origins,
        plugins,
        installations,
        import_formats,
        jobs,
        plugin_records,
        webhooks,
        webhook_subscription,
        notifications,
    ):
        api.include_router(module.router)
    return api
