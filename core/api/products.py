"""REST routes: a shop's products, SKUs and inventory (merchant side)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from sqlmodel import Session

from core.api.deps import Access, DecisionsDep, PageParams, ReadSessionDep, SessionDep
from core.api.pagination import Page, paginate
from core.auth import ShopAccess
from core.errors import InvalidInput, NotFound
from core.models import Product, ProductStatus, Sku
from core.plugins.decisions import DecisionRunner
from core.schemas.products import (
    InventoryChange,
    InventoryPublic,
    ProductCreate,
    ProductPublic,
    ProductUpdate,
    SkuCreate,
    SkuPublic,
    SkuUpdate,
)
from core.services import products as svc
from sdk.models import ProductDraft
from sdk.scopes import Scope

router = APIRouter(tags=["products"])

ReadAccess = Annotated[ShopAccess, Access(Scope.products_read)]
WriteAccess = Annotated[ShopAccess, Access(Scope.products_write)]
PRODUCT = "/shops/{shop_id}/products/{product_id}"
#: An id in a path: positive and within the 32-bit id columns.
PathId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/shops/{shop_id}/products", response_model=Page[ProductPublic])
def list_products(
    access: ReadAccess,
    session: ReadSessionDep,
    page: PageParams,
    status: Annotated[ProductStatus | None, Query(description="Only this status")] = None,
    external_ref: Annotated[
        str | None, Query(max_length=120, description="Only the product with this reference")
    ] = None,
) -> Page[ProductPublic]:
    """The shop's products (deleted ones left out), with their SKUs."""
    query = svc.products_query(access.shop_id, status=status)
    if external_ref is not None:
        query = query.where(Product.external_ref == external_ref)
    rows, next_cursor = paginate(
        session,
        query,
        Product.id,
        cursor=page[0],
        limit=page[1],
    )
    return Page(items=svc.products_public(session, rows), next_cursor=next_cursor)


@router.post(
    "/shops/{shop_id}/products", status_code=status.HTTP_201_CREATED, response_model=ProductPublic
)
def create_product(
    access: WriteAccess, session: SessionDep, body: ProductCreate, decisions: DecisionsDep
) -> ProductPublic:
    """Create a draft product with its SKUs (list it with ``POST .../list``).

    The shop's services may refuse it through ``product_validate`` (a 422 naming fields).
    """
    product = svc.create_product(session, shop=access.shop, data=body)
    out = svc.product_public(session, product)
    validate_with_services(session, decisions, access.shop_id, out)
    session.commit()
    return out


@router.get(PRODUCT, response_model=ProductPublic)
def get_product(access: ReadAccess, session: ReadSessionDep, product_id: PathId) -> ProductPublic:
    """One product with its SKUs."""
    product = svc.get_product(session, shop_id=access.shop_id, product_id=product_id)
    return svc.product_public(session, product)


@router.patch(PRODUCT, response_model=ProductPublic)
def update_product(
    access: WriteAccess,
    session: SessionDep,
    product_id: PathId,
    body: ProductUpdate,
    decisions: DecisionsDep,
) -> ProductPublic:
    """Change the fields sent; category, condition, provinces and services check it again."""
    product = svc.get_product(session, shop_id=access.shop_id, product_id=product_id, lock=True)
    svc.update_product(session, shop=access.shop, product=product, data=body)
    out = svc.product_public(session, product)
    validate_with_services(session, decisions, access.shop_id, out)
    session.commit()
    return out


@router.delete(PRODUCT, status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def delete_product(access: WriteAccess, session: SessionDep, product_id: PathId) -> Response:
    """Delete a product; one that was ever ordered is delisted and hidden instead (the
    ``Tanzi-Product-Kept: true`` header says so)."""
    product = svc.get_product(session, shop_id=access.shop_id, product_id=product_id, lock=True)
    removed = svc.delete_product(session, shop=access.shop, product=product)
    session.commit()
    return Response(
        status_code=status.HTTP_204_NO_CONTENT,
        headers={"Tanzi-Product-Kept": "false" if removed else "true"},
    )


@router.post(PRODUCT + "/list", response_model=ProductPublic)
def list_product(access: WriteAccess, session: SessionDep, product_id: PathId) -> ProductPublic:
    """Put a product on sale (the shop must be open)."""
    product = svc.get_product(session, shop_id=access.shop_id, product_id=product_id, lock=True)
    svc.set_product_listed(session, shop=access.shop, product=product, listed=True)
    out = svc.product_public(session, product)
    session.commit()
    return out


@router.post(PRODUCT + "/delist", response_model=ProductPublic)
def delist_product(access: WriteAccess, session: SessionDep, product_id: PathId) -> ProductPublic:
    """Take a product off sale."""
    product = svc.get_product(session, shop_id=access.shop_id, product_id=product_id, lock=True)
    svc.set_product_listed(session, shop=access.shop, product=product, listed=False)
    out = svc.product_public(session, product)
    session.commit()
    return out


@router.post(PRODUCT + "/skus", status_code=status.HTTP_201_CREATED, response_model=SkuPublic)
def add_sku(
    access: WriteAccess, session: SessionDep, product_id: PathId, body: SkuCreate
) -> SkuPublic:
    """Add a SKU to a product."""
    product = svc.get_product(session, shop_id=access.shop_id, product_id=product_id, lock=True)
    sku = svc.add_sku(session, product=product, data=body)
    out = SkuPublic.model_validate(sku, from_attributes=True)
    session.commit()
    return out


@router.patch(PRODUCT + "/skus/{sku_id}", response_model=SkuPublic)
def update_sku(
    access: WriteAccess, session: SessionDep, product_id: PathId, sku_id: PathId, body: SkuUpdate
) -> SkuPublic:
    """Change a SKU's code, options or price (stock: use the inventory route)."""
    product = svc.get_product(session, shop_id=access.shop_id, product_id=product_id, lock=True)
    sku = _sku_of(session, access.shop_id, product, sku_id)
    svc.update_sku(session, product=product, sku=sku, data=body)
    out = SkuPublic.model_validate(sku, from_attributes=True)
    session.commit()
    return out


@router.delete(
    PRODUCT + "/skus/{sku_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response
)
def delete_sku(
    access: WriteAccess, session: SessionDep, product_id: PathId, sku_id: PathId
) -> Response:
    """Remove a SKU that was never ordered and is not the product's last."""
    product = svc.get_product(session, shop_id=access.shop_id, product_id=product_id, lock=True)
    sku = _sku_of(session, access.shop_id, product, sku_id)
    svc.delete_sku(session, product=product, sku=sku)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/shops/{shop_id}/skus/{sku_id}/inventory", response_model=InventoryPublic)
def change_inventory(
    access: WriteAccess, session: SessionDep, sku_id: PathId, body: InventoryChange
) -> InventoryPublic:
    """Add ``delta`` to a SKU's stock or ``set`` it, with a reason; never below zero."""
    sku = svc.get_sku(session, shop_id=access.shop_id, sku_id=sku_id, lock=True)
    delta = svc.change_inventory(
        session,
        sku=sku,
        delta=body.delta,
        set_to=body.set,
        reason=body.reason,
        note=body.note,
        change_id=body.change_id,
    )
    out = InventoryPublic(
        sku=SkuPublic.model_validate(sku, from_attributes=True), delta=delta, stock=sku.stock
    )
    session.commit()
    return out


def _sku_of(session: Session, shop_id: int, product: Product, sku_id: int) -> Sku:
    sku = svc.get_sku(session, shop_id=shop_id, sku_id=sku_id, lock=True)
    if sku.product_id != product.id:
        raise NotFound(f"SKU {sku_id} was not found.", code="sku_not_found")
    return sku


def validate_with_services(
    session: Session, decisions: DecisionRunner, shop_id: int, product: ProductPublic
) -> None:
    """Ask the shop's services (``product_validate``); refuse with every problem they name."""
    draft = ProductDraft.model_validate(product.model_dump(mode="json"))
    problems = decisions.call(session, shop_id, "product_validate", product=draft).result
    if problems:
        first = problems[0]
        raise InvalidInput(
            f"A service installed in this shop refused the product: {first.message}",
            code="product_rejected",
            field=f"body.{first.field}",
            extra={
                "errors": [{"field": f"body.{p.field}", "message": p.message} for p in problems]
            },
        )
