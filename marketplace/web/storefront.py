"""The buyer page of each shop, ``/s/{shop_id}``: browsing (``storefront_browse``), the
buyer's orders (``storefront_orders``), refund requests (``storefront_aftersales``) and the
pages plugins add for buyers (``storefront_apps``), mounted together."""

from __future__ import annotations

from fastapi import APIRouter

from marketplace.web import (
    storefront_aftersales,
    storefront_apps,
    storefront_browse,
    storefront_orders,
)

router = APIRouter(include_in_schema=False)
router.include_router(storefront_browse.router)
router.include_router(storefront_orders.router)
router.include_router(storefront_aftersales.router)
router.include_router(storefront_apps.router)
