"""The buyer page's shop and product pages (``/s/{shop_id}``): browse with pictures, search,
filter by category, and a product's detail with its SKU choice and the order form.

Anyone may browse; ordering needs a signed-in person (the same person the API knows by a
personal token), see :mod:`marketplace.web.storefront_orders`.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import Response
from sqlmodel import Session, col

from core.api.deps import ReadSessionDep
from core.api.pagination import paginate
from core.api.storefront import visible_shop
from core.errors import InvalidInput, NotFound
from core.models import Account, Order, Product
from core.schemas.products import StorefrontProduct
from core.services import products as product_svc
from core.services.order_views import orders_query
from core.services.regions import provinces
from core.services.storefront import (
    search_products_query,
    shop_categories,
    shop_profile,
    shop_selling,
)
from marketplace.web.csrf import web_router
from marketplace.web.deps import CurrentAccount
from marketplace.web.i18n import request_locale
from marketplace.web.storefront_apps import buyer_page_links
from marketplace.web.templating import render

router = web_router(tags=["storefront pages"])

#: Products per page of the buyer page.
PAGE_SIZE = 12


def last_address(session: Session, shop_id: int, account: Account | None) -> dict[str, Any]:
    """The recipient of the person's latest order in this shop, to fill the form again."""
    if account is None:
        return {}
    order = session.exec(
        orders_query(shop_id=shop_id, buyer_id=account.id).order_by(col(Order.id).desc())
    ).first()
    if order is None:
        return {"recipient_name": account.name}
    return {
        "recipient_name": order.recipient_name,
        "recipient_phone": order.recipient_phone,
        "province_code": order.province_code,
        "address": order.address,
    }


@router.get("/s/{shop_id}")
def shop_page(
    shop_id: int,
    request: Request,
    session: ReadSessionDep,
    q: Annotated[str, Query(max_length=100)] = "",
    category: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The shop's listed products with pictures, a search box and category chips."""
    shop = visible_shop(session, shop_id)
    profile = shop_profile(session, shop)
    items: list[StorefrontProduct] = []
    next_cursor = None
    categories = []
    if shop_selling(shop):
        categories = shop_categories(session, shop_id)
        try:
            statement = search_products_query(
                session, shop_id, text=q, category_id=category, category_field="category"
            )
        except InvalidInput:
            statement, category = search_products_query(session, shop_id, text=q), None
        rows, next_cursor = paginate(session, statement, Product.id, cursor=cursor, limit=PAGE_SIZE)
        items = product_svc.storefront_products(session, rows)
    links = buyer_page_links(
        session, request.app.state.runtime.host, shop_id, request_locale(request)
    )
    session.commit()
    return render(
        request,
        "storefront/shop.html",
        {
            "shop": profile,
            "products": items,
            "categories": categories,
            "q": q,
            "category": category,
            "next_cursor": next_cursor,
            "plugin_links": links,
        },
    )


def product_context(
    session: Session, shop_id: int, product_id: int, account: Account | None
) -> dict[str, Any]:
    """What the product page shows: the shop, the product, provinces and a fresh order key."""
    shop = visible_shop(session, shop_id)
    profile = shop_profile(session, shop)
    product = None
    if shop_selling(shop):
        product = session.exec(
            product_svc.listed_products_query(shop_id).where(Product.id == product_id)
        ).first()
    if product is None:
        raise NotFound(f"Product {product_id} was not found.", code="product_not_found")
    view = product_svc.storefront_products(session, [product])[0]
    form = last_address(session, shop_id, account)
    session.commit()
    in_stock = [s for s in view.skus if s.stock > 0]
    return {
        "shop": profile,
        "product": view,
        "provinces": provinces(),
        "form": {"quantity": "1", "sku_id": str(in_stock[0].id) if in_stock else "", **form},
        "errors": {},
        "order_key": secrets.token_urlsafe(16),
    }


@router.get("/s/{shop_id}/p/{product_id}")
def product_page(
    shop_id: int,
    product_id: int,
    request: Request,
    session: ReadSessionDep,
    account: CurrentAccount,
) -> Response:
    """One product: its pictures, description, SKU choice, and the order form."""
    return render(
        request,
        "storefront/product.html",
        product_context(session, shop_id, product_id, account),
    )
