"""Products and SKUs: create, change, list/delist, delete; the rules that gate selling.

Rules:
- the category must allow the shop's type and its qualifications
  (:func:`core.services.categories.ensure_shop_may_sell_in`);
- personal shops may sell new and second-hand goods, business shops (individual and
  enterprise) new goods only;
- sellable provinces are GB/T 2260 two-digit codes; an empty list means everywhere;
- only open shops may list products, and a listed product has at least one SKU;
- deleting a product that was never ordered removes it; one that was ordered is kept for
  its order lines, delisted and marked ``deleted_at`` (it then reads as not found).

Write paths lock the product row (``SELECT ... FOR UPDATE`` on PostgreSQL) so concurrent
changes to one product keep their event sequence numbers apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from core.errors import Conflict, InvalidInput, InvalidState, NotFound
from core.models import (
    Condition,
    OrderLine,
    Product,
    ProductStatus,
    Shop,
    ShopStatus,
    ShopType,
    Sku,
)
from core.models.base import utcnow
from core.outbox import record_event
from core.schemas.files import ProductImagePublic
from core.schemas.products import (
    ProductCreate,
    ProductPublic,
    ProductUpdate,
    SkuCreate,
    SkuPublic,
    SkuUpdate,
    StorefrontProduct,
    StorefrontSku,
)
from core.services.categories import ensure_shop_may_sell_in
from core.services.inventory import adjust_stock, change_applied, ensure_adjustment_reason
from core.services.product_images import images_by_product, main_image_url, storefront_images
from core.services.product_images import remove_all as remove_all_images
from core.services.regions import validate_provinces
from core.services.shipping_fees import ensure_shop_template

#: Which conditions each shop type may sell.
CONDITIONS_BY_SHOP_TYPE: dict[ShopType, frozenset[Condition]] = {
    ShopType.personal: frozenset({Condition.new, Condition.second_hand}),
    ShopType.individual: frozenset({Condition.new}),
    ShopType.enterprise: frozenset({Condition.new}),
}


# -- reading -------------------------------------------------------------------------------


def skus_by_product(session: Session, product_ids: Iterable[int]) -> dict[int, list[Sku]]:
    """The SKUs of each product, ordered by id, in one query."""
    ids = list(product_ids)
    out: dict[int, list[Sku]] = {pid: [] for pid in ids}
    if not ids:
        return out
    for sku in session.exec(
        select(Sku).where(col(Sku.product_id).in_(ids)).order_by(col(Sku.id))
    ).all():
        out[sku.product_id].append(sku)
    return out


def product_public(
    session: Session,
    product: Product,
    skus: Sequence[Sku] | None = None,
    images: list[ProductImagePublic] | None = None,
) -> ProductPublic:
    """The API view of ``product`` with its SKUs and images (loaded when not given)."""
    assert product.id is not None
    if skus is None:
        skus = skus_by_product(session, [product.id])[product.id]
    if images is None:
        images = images_by_product(session, [product.id])[product.id]
    return ProductPublic.model_validate(
        {
            **product.model_dump(),
            "skus": [SkuPublic.model_validate(s, from_attributes=True) for s in skus],
            "images": images,
            "image_url": main_image_url(images),
        }
    )


def products_public(session: Session, products: Sequence[Product]) -> list[ProductPublic]:
    """API views of many products, loading all their SKUs and images in two queries each."""
    ids = [p.id for p in products if p.id is not None]
    skus = skus_by_product(session, ids)
    images = images_by_product(session, ids)
    return [product_public(session, p, skus[p.id or 0], images[p.id or 0]) for p in products]


def storefront_products(session: Session, products: Sequence[Product]) -> list[StorefrontProduct]:
    """Buyers' views of listed products, loading all their SKUs and images at once."""
    ids = [p.id for p in products if p.id is not None]
    skus = skus_by_product(session, ids)
    images = images_by_product(session, ids)
    return [
        StorefrontProduct(
            id=p.id or 0,
            shop_id=p.shop_id,
            category_id=p.category_id,
            title=p.title,
            description=p.description,
            condition=p.condition,
            self_pickup=p.self_pickup,
            sellable_provinces=list(p.sellable_provinces),
            skus=[
                StorefrontSku(
                    id=s.id or 0,
                    code=s.code,
                    options=dict(s.options),
                    price_fen=s.price_fen,
                    currency=s.currency,
                    stock=s.stock,
                )
                for s in skus[p.id or 0]
            ],
            image_url=main_image_url(images[p.id or 0]),
            images=storefront_images(images[p.id or 0]),
        )
        for p in products
    ]


def product_snapshot(session: Session, product: Product) -> dict[str, Any]:
    """The event data for ``product``: ``{"product": ProductPublic json}``."""
    return {"product": product_public(session, product).model_dump(mode="json")}


def products_query(
    shop_id: int,
    *,
    status: ProductStatus | None = None,
    search: str | None = None,
    category_ids: Sequence[int] | None = None,
    low_stock_at: int | None = None,
) -> SelectOfScalar[Product]:
    """The statement for a shop's (not deleted) products, optionally narrowed: of one
    ``status``, whose title contains ``search`` (any case), in one of ``category_ids``, or
    with a SKU whose stock is at most ``low_stock_at``."""
    statement = select(Product).where(Product.shop_id == shop_id, col(Product.deleted_at).is_(None))
    if status is not None:
        statement = statement.where(Product.status == status)
    if search:
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(col(Product.title).ilike(f"%{escaped}%", escape="\\"))
    if category_ids is not None:
        statement = statement.where(col(Product.category_id).in_(list(category_ids)))
    if low_stock_at is not None:
        low = select(Sku.product_id).where(Sku.shop_id == shop_id, Sku.stock <= low_stock_at)
        statement = statement.where(col(Product.id).in_(low))
    return statement


def listed_products_query(shop_id: int) -> SelectOfScalar[Product]:
    """The statement for the products buyers may see in a shop."""
    return products_query(shop_id, status=ProductStatus.listed)


def get_product(session: Session, *, shop_id: int, product_id: int, lock: bool = False) -> Product:
    """The shop's product ``product_id`` (locked for update when ``lock``), or :class:`NotFound`."""
    statement = select(Product).where(
        Product.id == product_id, Product.shop_id == shop_id, col(Product.deleted_at).is_(None)
    )
    if lock:
        statement = statement.with_for_update()
    product = session.exec(statement).first()
    if product is None:
        raise NotFound(f"Product {product_id} was not found.", code="product_not_found")
    return product


def get_sku(session: Session, *, shop_id: int, sku_id: int, lock: bool = False) -> Sku:
    """The shop's SKU ``sku_id`` (locked for update when ``lock``), or :class:`NotFound`."""
    statement = select(Sku).where(Sku.id == sku_id, Sku.shop_id == shop_id)
    if lock:
        statement = statement.with_for_update()
    sku = session.exec(statement).first()
    if sku is None:
        raise NotFound(f"SKU {sku_id} was not found.", code="sku_not_found")
    return sku


# -- rules ---------------------------------------------------------------------------------


def ensure_condition_allowed(shop: Shop, condition: Condition) -> None:
    """Refuse second-hand goods in business shops."""
    if condition not in CONDITIONS_BY_SHOP_TYPE[shop.type]:
        raise InvalidInput(
            f"A {shop.type.value} shop may not sell {condition.value.replace('_', '-')} goods; "
            "only personal shops sell second-hand goods.",
            code="condition_not_allowed",
            field="body.condition",
        )


def _ensure_unique_codes(skus: Sequence[SkuCreate]) -> None:
    seen: set[str] = set()
    for i, sku in enumerate(skus):
        if sku.code in seen:
            raise InvalidInput(
                f"SKU code '{sku.code}' appears twice.",
                code="duplicate_sku_code",
                field=f"body.skus[{i}].code",
            )
        seen.add(sku.code)


def _ensure_code_free(session: Session, product_id: int, code: str, sku_id: int | None) -> None:
    statement = select(Sku.id).where(Sku.product_id == product_id, Sku.code == code)
    if sku_id is not None:
        statement = statement.where(Sku.id != sku_id)
    if session.exec(statement).first() is not None:
        raise Conflict(
            f"This product already has a SKU with code '{code}'.",
            code="duplicate_sku_code",
            field="body.code",
        )


def _touch(session: Session, product: Product, event: str) -> None:
    product.updated_at = utcnow()
    session.add(product)
    session.flush()
    assert product.id is not None
    record_event(
        session,
        name=event,
        shop_id=product.shop_id,
        resource_type="product",
        resource_id=product.id,
        data=product_snapshot(session, product),
    )


def product_changed(session: Session, product: Product) -> None:
    """Record ``product_updated`` for a change made elsewhere (its images, for example)."""
    _touch(session, product, "product_updated")


# -- writing -------------------------------------------------------------------------------


def create_product(session: Session, *, shop: Shop, data: ProductCreate) -> Product:
    """Create a draft product with its SKUs; records ``product_created``."""
    assert shop.id is not None
    ensure_shop_may_sell_in(session, shop=shop, category_id=data.category_id)
    ensure_condition_allowed(shop, data.condition)
    provinces = validate_provinces(data.sellable_provinces, field="body.sellable_provinces")
    _ensure_unique_codes(data.skus)
    ensure_shop_template(session, shop_id=shop.id, template_id=data.shipping_template_id)
    product = Product(
        shop_id=shop.id,
        category_id=data.category_id,
        title=data.title,
        description=data.description,
        condition=data.condition,
        self_pickup=data.self_pickup,
        sellable_provinces=provinces,
        external_ref=data.external_ref,
        shipping_template_id=data.shipping_template_id,
        weight_g=data.weight_g,
    )
    session.add(product)
    session.flush()
    assert product.id is not None
    for sku in data.skus:
        session.add(
            Sku(
                product_id=product.id,
                shop_id=shop.id,
                code=sku.code,
                options=dict(sku.options),
                price_fen=sku.price_fen,
                stock=sku.stock,
            )
        )
    session.flush()
    record_event(
        session,
        name="product_created",
        shop_id=shop.id,
        resource_type="product",
        resource_id=product.id,
        data=product_snapshot(session, product),
    )
    return product


def update_product(
    session: Session, *, shop: Shop, product: Product, data: ProductUpdate
) -> Product:
    """Apply the fields set in ``data``; records ``product_updated``."""
    changes = data.model_dump(exclude_unset=True)
    if changes.get("category_id") is not None:
        ensure_shop_may_sell_in(session, shop=shop, category_id=changes["category_id"])
    if changes.get("condition") is not None:
        ensure_condition_allowed(shop, Condition(changes["condition"]))
    if changes.get("sellable_provinces") is not None:
        changes["sellable_provinces"] = validate_provinces(
            changes["sellable_provinces"], field="body.sellable_provinces"
        )
    if "shipping_template_id" in changes:
        ensure_shop_template(
            session, shop_id=product.shop_id, template_id=changes["shipping_template_id"]
        )
    for name in ("category_id", "title", "description", "condition", "self_pickup", "weight_g"):
        if name in changes and changes[name] is None:
            raise InvalidInput(f"'{name}' cannot be null.", field=f"body.{name}")
    for name, value in changes.items():
        setattr(product, name, value)
    _touch(session, product, "product_updated")
    return product


def set_product_listed(session: Session, *, shop: Shop, product: Product, listed: bool) -> Product:
    """List (only in open shops, with at least one SKU) or delist a product."""
    if listed:
        if shop.status != ShopStatus.open:
            raise InvalidState(
                "Only open shops may list products; open the shop first.", code="shop_not_open"
            )
        ensure_shop_may_sell_in(session, shop=shop, category_id=product.category_id)
        ensure_condition_allowed(shop, product.condition)
        assert product.id is not None
        if session.exec(select(Sku.id).where(Sku.product_id == product.id)).first() is None:
            raise InvalidState("A product needs at least one SKU to be listed.", code="no_skus")
    target = ProductStatus.listed if listed else ProductStatus.delisted
    if product.status == target:
        return product
    product.status = target
    _touch(session, product, "product_updated")
    return product


def delete_product(session: Session, *, shop: Shop, product: Product) -> bool:
    """Delete ``product``; records ``product_deleted``.

    Returns ``True`` when the rows were removed, ``False`` when the product was ever ordered
    and is kept (delisted, ``deleted_at`` set) for its order lines.
    """
    assert product.id is not None
    snapshot = product_snapshot(session, product)
    ordered = (
        session.exec(select(OrderLine.id).where(OrderLine.product_id == product.id)).first()
        is not None
    )
    if ordered:
        product.status = ProductStatus.delisted
        product.deleted_at = utcnow()
        product.updated_at = product.deleted_at
        session.add(product)
        snapshot["product"]["status"] = ProductStatus.delisted.value
    else:
        remove_all_images(session, product_id=product.id)
        for sku in session.exec(select(Sku).where(Sku.product_id == product.id)).all():
            session.delete(sku)
        session.flush()
        session.delete(product)
    session.flush()
    record_event(
        session,
        name="product_deleted",
        shop_id=product.shop_id,
        resource_type="product",
        resource_id=product.id,
        data=snapshot,
    )
    return not ordered


def add_sku(session: Session, *, product: Product, data: SkuCreate) -> Sku:
    """Add a SKU to ``product``; records ``product_updated``."""
    assert product.id is not None
    _ensure_code_free(session, product.id, data.code, None)
    sku = Sku(
        product_id=product.id,
        shop_id=product.shop_id,
        code=data.code,
        options=dict(data.options),
        price_fen=data.price_fen,
        stock=data.stock,
    )
    session.add(sku)
    session.flush()
    _touch(session, product, "product_updated")
    return sku


def update_sku(session: Session, *, product: Product, sku: Sku, data: SkuUpdate) -> Sku:
    """Change a SKU's code, options or price; records ``product_updated``."""
    assert product.id is not None
    changes = data.model_dump(exclude_unset=True)
    for name in ("code", "options", "price_fen"):
        if name in changes and changes[name] is None:
            raise InvalidInput(f"'{name}' cannot be null.", field=f"body.{name}")
    if "code" in changes and changes["code"] != sku.code:
        _ensure_code_free(session, product.id, changes["code"], sku.id)
    for name, value in changes.items():
        setattr(sku, name, dict(value) if name == "options" else value)
    session.add(sku)
    session.flush()
    _touch(session, product, "product_updated")
    return sku


def delete_sku(session: Session, *, product: Product, sku: Sku) -> None:
    """Remove a SKU that was never ordered and is not the product's last one."""
    assert product.id is not None
    others = session.exec(
        select(Sku.id).where(Sku.product_id == product.id, Sku.id != sku.id)
    ).first()
    if others is None:
        raise InvalidState(
            "A product keeps at least one SKU; delete the product instead.", code="last_sku"
        )
    if session.exec(select(OrderLine.id).where(OrderLine.sku_id == sku.id)).first() is not None:
        raise InvalidState(
            "This SKU has orders and is kept for them; set its stock to 0 instead.",
            code="sku_has_orders",
        )
    session.delete(sku)
    session.flush()
    _touch(session, product, "product_updated")


def _sku_matches(sku: Sku, data: SkuCreate) -> bool:
    return (sku.code, dict(sku.options), sku.price_fen) == (
        data.code,
        dict(data.options),
        data.price_fen,
    )


def set_skus(
    session: Session, *, product: Product, rows: Sequence[tuple[int | None, SkuCreate]]
) -> None:
    """Make the product's SKUs these rows, in one go: a row with a SKU id changes that SKU's
    code, options and price (its stock moves only through :func:`change_inventory`), a row
    without one adds a SKU, and SKUs no row names are removed (:func:`delete_sku` rules).

    Errors name the row: ``body.skus[i].code``.
    """
    assert product.id is not None
    _ensure_unique_codes([data for _id, data in rows])
    existing = {s.id: s for s in skus_by_product(session, [product.id])[product.id]}
    named = {sku_id for sku_id, _data in rows if sku_id is not None}
    for i, (sku_id, _data) in enumerate(rows):
        if sku_id is not None and sku_id not in existing:
            raise NotFound(
                f"SKU {sku_id} was not found.", code="sku_not_found", field=f"body.skus[{i}]"
            )
    for sku_id, sku in existing.items():
        if sku_id not in named:
            delete_sku(session, product=product, sku=sku)
    for i, (sku_id, data) in enumerate(rows):
        try:
            if sku_id is None:
                add_sku(session, product=product, data=data)
            elif not _sku_matches(existing[sku_id], data):
                update = SkuUpdate(code=data.code, options=data.options, price_fen=data.price_fen)
                update_sku(session, product=product, sku=existing[sku_id], data=update)
        except (Conflict, InvalidInput) as exc:
            exc.field = f"body.skus[{i}].{(exc.field or 'code').rsplit('.', 1)[-1]}"
            raise


#: What a stock change's idempotency id may be.
CHANGE_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def change_inventory(
    session: Session,
    *,
    sku: Sku,
    delta: int | None = None,
    set_to: int | None = None,
    reason: str = "manual",
    note: str | None = None,
    change_id: str | None = None,
) -> int:
    """Add ``delta`` to the stock of a (locked) SKU or set it to ``set_to``; never below zero.

    ``reason`` is one of :data:`core.services.inventory.ADJUSTMENT_REASONS` and ``note`` a
    free text kept with it. Records ``inventory_changed`` and returns the delta applied.
    A ``change_id`` the SKU's recent changes already carry changes nothing (returns 0).
    """
    ensure_adjustment_reason(reason)
    if change_id is not None:
        if not CHANGE_ID.match(change_id):
            raise InvalidInput(
                "A change id is 1 to 64 letters, digits and '_.:-'.",
                code="invalid_change_id",
                field="body.change_id",
            )
        if change_applied(session, sku=sku, change_id=change_id):
            return 0
    if set_to is not None:
        delta = set_to - sku.stock
    assert delta is not None
    if sku.stock + delta < 0:
        raise InvalidInput(
            f"Stock would fall below zero ({sku.stock} + {delta}).",
            code="negative_stock",
            field="body.delta",
            extra={"stock": sku.stock},
        )
    if sku.stock + delta > 10_000_000:
        raise InvalidInput(
            "Stock would pass the maximum of 10000000.",
            code="stock_too_large",
            field="body.delta" if set_to is None else "body.set",
        )
    adjust_stock(session, sku=sku, delta=delta, reason=reason, note=note, change_id=change_id)
    return delta
