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
    members,
    notifications,
    orders,
    plugin_records,
    plugins,
    product_images,
    products,
    qualifications,
    shipments,
    shipping_templates,
    shop_icon,
    shops,
    storefront,
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
        products,
        product_images,
        files,
        orders,
        aftersales,
        shipments,
        carrier_accounts,
        shipping_templates,
        storefront,
        plugins,
        installations,
        import_formats,
        plugin_records,
        webhooks,
        notifications,
    ):
        api.include_router(module.router)
    return api
