"""The buyer page of each shop, ``/s/{shop_id}``: browsing (``storefront_browse``) and the
buyer's orders (``storefront_orders``), mounted together."""

from __future__ import annotations

from fastapi import APIRouter

from marketplace.web import storefront_browse, storefront_orders

router = APIRouter(include_in_schema=False)
router.include_router(storefront_browse.router)
router.include_router(storefront_orders.router)
