"""REST route: product batch upsert, ``POST /shops/{shop_id}/products/batch``.

Up to 1,000 items keyed by ``external_ref`` (or ``id``) and SKU code, in one transaction;
the answer has one result per item (``created``, ``updated``, ``unchanged`` or ``failed``
with each problem's field path inside the item) and the counts. A malformed item fails
alone; the others are written. The in-process client and the SDK's HTTP client call the
same service (:mod:`core.services.product_batch`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from core.api.deps import Access, SessionDep
from core.auth import ShopAccess
from core.services.product_batch import upsert_raw
from sdk.batch import MAX_BATCH, ItemResult
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


@router.post("/shops/{shop_id}/products/batch", response_model=BatchResultPublic)
def upsert_products_batch(
    access: Annotated[ShopAccess, Access(Scope.products_write)],
    session: SessionDep,
    body: BatchBody,
) -> BatchResultPublic:
    """Create or change up to 1,000 products at once; one result per item."""
    result = upsert_raw(session, shop=access.shop, raw_items=body.items, dry_run=body.dry_run)
    if body.dry_run:
        session.rollback()
    else:
        session.commit()
    return BatchResultPublic(items=result.items, dry_run=result.dry_run, counts=result.counts)
