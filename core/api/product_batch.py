"""REST route: product batch upsert, ``POST /shops/{shop_id}/products/batch``.

Up to 1,000 items keyed by ``external_ref`` (or ``id``) and SKU code, in one transaction;
the answer has one result per item (``created``, ``updated``, ``unchanged`` or ``failed``
with each problem's field path inside the item) and the counts. A malformed item fails
alone; the others are written. The in-process client and the SDK's HTTP client call the
same service (:mod:`core.services.product_batch`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field
from sqlmodel import Session

from core.api.deps import Access, DecisionsDep, SessionDep
from core.auth import ShopAccess
from core.errors import InvalidInput, NotFound
from core.plugins.decisions import DecisionRunner
from core.schemas.products import ProductPublic
from core.services.product_batch import Validator, upsert_products, upsert_raw
from core.services.products import get_product, product_public
from sdk.batch import MAX_BATCH, ItemResult, ProductInput
from sdk.models import Problem, ProductDraft
from sdk.scopes import Scope

router = APIRouter(tags=["products"])


class BatchBody(BaseModel):
    """The items (each a :class:`sdk.batch.ProductInput` as JSON) and whether to only try."""

    items: Annotated[list[dict[str, Any]], Field(max_length=MAX_BATCH)]
    dry_run: bool = False


class BatchResultPublic(BaseModel):
    """Each item's outcome in request order, and how many ended each way."""

    items: list[ItemResult]
    dry_run: bool
    counts: dict[str, int]


def services_validator(session: Session, decisions: DecisionRunner, shop_id: int) -> Validator:
    """Each product shown to the shop's services' ``product_validate``, as the
    single-product routes do (:func:`core.api.products.validate_with_services`)."""

    def validate(draft: ProductDraft) -> list[Problem]:
        return list(decisions.call(session, shop_id, "product_validate", product=draft).result)

    return validate


@router.post("/shops/{shop_id}/products/batch", response_model=BatchResultPublic)
def upsert_products_batch(
    access: Annotated[ShopAccess, Access(Scope.products_write)],
    session: SessionDep,
    body: BatchBody,
    decisions: DecisionsDep,
) -> BatchResultPublic:
    """Create or change up to 1,000 products at once; one result per item. The shop's
    services judge each item (``product_validate``); a refusal fails that item alone."""
    result = upsert_raw(
        session,
        shop=access.shop,
        raw_items=body.items,
        dry_run=body.dry_run,
        validate=services_validator(session, decisions, access.shop_id),
    )
    if body.dry_run:
        session.rollback()
    else:
        session.commit()
    return BatchResultPublic(items=result.items, dry_run=result.dry_run, counts=result.counts)


class ImageFiles(BaseModel):
    """Stored image file ids in order; the first is the main image."""

    file_ids: Annotated[list[Annotated[int, Field(ge=1, le=2**31 - 1)]], Field(max_length=20)]


@router.put("/shops/{shop_id}/products/{product_id}/image-files", response_model=ProductPublic)
def set_product_image_files(
    access: Annotated[ShopAccess, Access(Scope.products_write)],
    session: SessionDep,
    product_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: ImageFiles,
) -> ProductPublic:
    """Replace a product's images by stored images (``client.products.set_images``)."""
    result = upsert_products(
        session, shop=access.shop, items=[ProductInput(id=product_id, images=body.file_ids)]
    )
    outcome = result.items[0]
    if outcome.status == "failed":
        problem = outcome.problems[0]
        if problem.code == "product_not_found":
            raise NotFound(problem.message, code="product_not_found")
        raise InvalidInput(problem.message, code=problem.code, field=f"body.{problem.field}")
    product = get_product(session, shop_id=access.shop_id, product_id=product_id)
    out = product_public(session, product)
    session.commit()
    return out
