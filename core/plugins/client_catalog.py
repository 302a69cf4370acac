"""``client.products`` writes beyond stock, and ``client.categories``, for the in-process
client: batch upserts, prices, list/delist, category, images, delete, find by reference.

Each call goes through the kernel's services (:mod:`core.services.products`,
:mod:`core.services.product_batch`) inside the client's guarded session, as the open API's
routes do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from core.models import Category, Product, ProductImage, Sku
from core.schemas.products import ProductUpdate, SkuUpdate
from core.services.product_batch import upsert_products
from core.services.products import (
    delete_product,
    get_product,
    get_sku,
    set_product_listed,
    update_product,
    update_sku,
)
from core.services.shops import get_shop
from sdk import models as sdk_models
from sdk.batch import BatchResult, ProductInput, ProductStatusName
from sdk.errors import InvalidRequest
from sdk.scopes import Scope

if TYPE_CHECKING:
    from core.plugins.client import ScopedClient


def product_views(session: Session, products: Sequence[Product]) -> list[sdk_models.Product]:
    """SDK snapshots of ``products`` with their SKUs and image file ids (two queries)."""
    ids = [p.id for p in products]
    skus: dict[int, list[dict[str, Any]]] = {}
    for sku in session.exec(select(Sku).where(col(Sku.product_id).in_(ids)).order_by(col(Sku.id))):
        skus.setdefault(sku.product_id, []).append(sku.model_dump(mode="json"))
    images: dict[int, list[int]] = {}
    for image in session.exec(
        select(ProductImage)
        .where(col(ProductImage.product_id).in_(ids))
        .order_by(col(ProductImage.position), col(ProductImage.id))
    ):
        images.setdefault(image.product_id, []).append(image.file_id)
    return [
        sdk_models.Product.model_validate(
            {
                **p.model_dump(mode="json"),
                "skus": skus.get(p.id or 0, []),
                "image_ids": images.get(p.id or 0, []),
            }
        )
        for p in products
    ]


class ClientCatalog:
    """The product writes of ``client.products`` (mixed into its namespace)."""

    _c: ScopedClient

    def _product(self, session: Session, product: Product) -> sdk_models.Product:
        session.flush()
        session.refresh(product)
        return product_views(session, [product])[0]

    def get_by_ref(self, external_ref: str) -> sdk_models.Product | None:
        """The (not deleted) product with this ``external_ref``. Scope: ``products:read``."""
        with self._c.reading(Scope.products_read) as session:
            row = session.exec(
                select(Product)
                .where(
                    Product.shop_id == self._c.shop_id,
                    Product.external_ref == external_ref,
                    col(Product.deleted_at).is_(None),
                )
                .order_by(col(Product.id))
            ).first()
            return product_views(session, [row])[0] if row is not None else None

    def upsert_many(self, items: Sequence[ProductInput], *, dry_run: bool = False) -> BatchResult:
        """Create or change up to 1,000 products in one transaction. Scope:
        ``products:write``."""
        items = [ProductInput.model_validate(i) for i in items]
        with self._c.writing(Scope.products_write) as session:
            shop = get_shop(session, shop_id=self._c.shop_id)
            return upsert_products(session, shop=shop, items=items, dry_run=dry_run)

    def set_price(
        self, sku_id: int, price_fen: int, *, compare_at_fen: int | None = None
    ) -> sdk_models.Sku:
        """Set a SKU's price (and compare-at price). Scope: ``products:write``."""
        for value in (price_fen, compare_at_fen):
            if value is not None and value < 0:
                raise InvalidRequest("A price is 0 or more fen.", code="invalid_price")
        with self._c.writing(Scope.products_write) as session:
            sku = get_sku(session, shop_id=self._c.shop_id, sku_id=sku_id, lock=True)
            product = get_product(session, shop_id=self._c.shop_id, product_id=sku.product_id)
            if compare_at_fen is not None:
                sku.compare_at_fen = compare_at_fen
            update_sku(session, product=product, sku=sku, data=SkuUpdate(price_fen=price_fen))
            session.flush()
            return sdk_models.Sku.model_validate(sku.model_dump(mode="json"))

    def set_status(self, product_id: int, status: ProductStatusName) -> sdk_models.Product:
        """List or delist a product. Scope: ``products:write``."""
        if status not in ("listed", "delisted"):
            raise InvalidRequest(f"'{status}' is not listed or delisted.", code="invalid_status")
        with self._c.writing(Scope.products_write) as session:
            shop = get_shop(session, shop_id=self._c.shop_id)
            product = get_product(session, shop_id=shop.id or 0, product_id=product_id, lock=True)
            set_product_listed(session, shop=shop, product=product, listed=status == "listed")
            return self._product(session, product)

    def set_category(self, product_id: int, category_id: int) -> sdk_models.Product:
        """Move a product to another category. Scope: ``products:write``."""
        with self._c.writing(Scope.products_write) as session:
            shop = get_shop(session, shop_id=self._c.shop_id)
            product = get_product(session, shop_id=shop.id or 0, product_id=product_id, lock=True)
            update_product(
                session, shop=shop, product=product, data=ProductUpdate(category_id=category_id)
            )
            return self._product(session, product)

    def set_images(self, product_id: int, file_ids: Sequence[int]) -> sdk_models.Product:
        """Replace a product's images by stored images. Scope: ``products:write``."""
        with self._c.writing(Scope.products_write) as session:
            shop = get_shop(session, shop_id=self._c.shop_id)
            result = upsert_products(
                session, shop=shop, items=[ProductInput(id=product_id, images=list(file_ids))]
            )
            outcome = result.items[0]
            if outcome.status == "failed":
                problem = outcome.problems[0]
                if problem.code == "product_not_found":
                    get_product(session, shop_id=shop.id or 0, product_id=product_id)
                raise InvalidRequest(problem.message, code=problem.code)
            product = get_product(session, shop_id=shop.id or 0, product_id=product_id)
            return self._product(session, product)

    def delete(self, product_id: int) -> bool:
        """Delete a product; ``False`` when it is kept for its orders. Scope:
        ``products:write``."""
        with self._c.writing(Scope.products_write) as session:
            shop = get_shop(session, shop_id=self._c.shop_id)
            product = get_product(session, shop_id=shop.id or 0, product_id=product_id, lock=True)
            return delete_product(session, shop=shop, product=product)


class ClientCategories:
    """``client.categories``: the platform's public category tree."""

    def __init__(self, client: ScopedClient) -> None:
        self._c = client

    def list(self) -> list[sdk_models.Category]:
        """Every category by id (the tree is public: no scope)."""
        with self._c.reading(None) as session:
            rows = session.exec(select(Category).order_by(col(Category.id))).all()
            return [sdk_models.Category.model_validate(r.model_dump(mode="json")) for r in rows]
