"""The console's products page: the shop's products, a page at a time, with their stock,
searched and filtered by status, category and low stock, with list/delist buttons and the
products actions of the shop's enabled plugins on the selected rows."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session, col, select

from core.api.deps import ReadSessionDep
from core.models import Category, Product, ProductStatus
from core.plugins.actions import shop_actions
from core.schemas.files import ProductImagePublic
from core.services.product_images import images_by_product, main_image_url
from core.services.products import products_query, skus_by_product
from marketplace.web import console_images, console_products, console_stock
from marketplace.web.console_access import console_context, member_access, page_number, page_of_rows
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAccount
from marketplace.web.templating import render
from sdk.scopes import Scope

router = web_router(tags=["merchant console"])
router.include_router(console_images.router)
router.include_router(console_products.router)
router.include_router(console_stock.router)

#: A SKU with this many units or fewer is low on stock, unless the page is asked another.
LOW_STOCK = 5


def _category_and_children(session: Session, category_id: int) -> list[int]:
    """``category_id`` and every category under it."""
    children: dict[int | None, list[int]] = {}
    for cid, parent in session.exec(select(Category.id, Category.parent_id)).all():
        if cid is not None:
            children.setdefault(parent, []).append(cid)
    found, queue = [category_id], [category_id]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def _thumbnail(images: list[ProductImagePublic]) -> str | None:
    """The main image's thumbnail (or the image itself), for the list."""
    main = next((i for i in images if i.is_main), None)
    return (main.thumbnail_url or main.url) if main else main_image_url(images)


def _threshold(raw: str) -> int:
    return min(int(raw), 10_000_000) if raw.isdigit() else LOW_STOCK


@router.get("/console/shops/{shop_id}/products")
def products_page(
    shop_id: int,
    request: Request,
    session: ReadSessionDep,
    account: RequireAccount,
    status: str = "",
    q: str = "",
    category: str = "",
    low: str = "",
    threshold: str = "",
) -> Response:
    """The shop's products, newest first, with each one's SKUs and total stock."""
    access = member_access(session, account, shop_id, Scope.products_read)
    chosen = ProductStatus(status) if status in {s.value for s in ProductStatus} else None
    limit = _threshold(threshold)
    category_id = int(category) if category.isdigit() else None
    statement = products_query(
        shop_id,
        status=chosen,
        search=q.strip()[:120] or None,
        category_ids=_category_and_children(session, category_id) if category_id else None,
        low_stock_at=limit if low else None,
    ).order_by(col(Product.id).desc())
    paged = page_of_rows(session, statement, page_number(request))
    ids = [p.id for p in paged.rows if p.id is not None]
    skus = skus_by_product(session, ids)
    pictures = {pid: _thumbnail(listed) for pid, listed in images_by_product(session, ids).items()}
    actions = shop_actions(
        session, host=request.app.state.plugins, shop_id=shop_id, area="products", can=access.can
    )
    filters = {
        "status": chosen.value if chosen else "",
        "q": q.strip(),
        "category": str(category_id or ""),
        "low": "1" if low else "",
        "threshold": str(limit) if threshold else "",
    }
    context = console_context(
        access,
        "products",
        paged=paged,
        skus=skus,
        pictures=pictures,
        actions=actions,
        status=filters["status"],
        statuses=[s.value for s in ProductStatus],
        filters=filters,
        query=urlencode({k: v for k, v in filters.items() if v}),
        low_stock=limit,
        categories=console_products.categories_for(session, access),
        can_write=access.can(Scope.products_write),
    )
    session.commit()
    return render(request, "console/products.html", context)
