"""The console's products page: the shop's products, a page at a time, with their stock,
and the products actions of the shop's enabled plugins on the selected rows."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import col

from core.api.deps import ReadSessionDep
from core.models import Product, ProductStatus
from core.plugins.actions import shop_actions
from core.services.products import products_query, skus_by_product
from marketplace.web import console_images
from marketplace.web.console_access import console_context, member_access, page_number, page_of_rows
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAccount
from marketplace.web.templating import render
from sdk.scopes import Scope

router = web_router(tags=["merchant console"])
router.include_router(console_images.router)


@router.get("/console/shops/{shop_id}/products")
def products_page(
    shop_id: int,
    request: Request,
    session: ReadSessionDep,
    account: RequireAccount,
    status: str = "",
) -> Response:
    """The shop's products, newest first, with each one's SKUs and total stock."""
    access = member_access(session, account, shop_id, Scope.products_read)
    chosen = ProductStatus(status) if status in {s.value for s in ProductStatus} else None
    statement = products_query(shop_id, status=chosen).order_by(col(Product.id).desc())
    paged = page_of_rows(session, statement, page_number(request))
    skus = skus_by_product(session, [p.id for p in paged.rows if p.id is not None])
    actions = shop_actions(
        session, host=request.app.state.plugins, shop_id=shop_id, area="products", can=access.can
    )
    session.commit()
    return render(
        request,
        "console/products.html",
        console_context(
            access,
            "products",
            paged=paged,
            skus=skus,
            actions=actions,
            status=chosen.value if chosen else "",
            statuses=[s.value for s in ProductStatus],
        ),
    )
