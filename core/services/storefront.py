"""What buyers read in a shop's storefront: its profile, its categories, product search, and
the parcels of their own orders."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from core.errors import InvalidInput
from core.models import Category, Order, Product, Shipment, Shop, ShopStatus
from core.schemas.shipments import ShipmentPublic
from core.schemas.storefront import StorefrontCategory, StorefrontShop
from core.services.carriers import CarrierRegistry
from core.services.guarantee import is_certified
from core.services.products import listed_products_query
from core.services.shipments import shipment_public, tracking_of
from core.services.shop_icon import current_icon, icon_public


def shop_selling(shop: Shop) -> bool:
    """Open and not suspended: the shop takes orders."""
    return shop.status == ShopStatus.open and shop.suspended_at is None


def shop_profile(session: Session, shop: Shop) -> StorefrontShop:
    """The buyers' view of ``shop`` (its icon URLs included)."""
    assert shop.id is not None
    icon = icon_public(session, current_icon(session, shop.id))
    return StorefrontShop(
        id=shop.id,
        name=shop.name,
        description=shop.description,
        type=shop.type,
        icon_url=icon.url,
        icon_thumbnail_url=icon.thumbnail_url,
        selling=shop_selling(shop),
        guaranteed=is_certified(session, shop.id),
    )


def category_and_descendants(session: Session, category_id: int, *, field: str) -> list[int]:
    """``category_id`` and every category under it, or :class:`InvalidInput` if unknown."""
    rows = session.exec(select(Category.id, Category.parent_id)).all()
    children: dict[int | None, list[int]] = {}
    for cid, parent in rows:
        if cid is not None:
            children.setdefault(parent, []).append(cid)
    if not any(cid == category_id for cid, _ in rows):
        raise InvalidInput(
            f"There is no category {category_id}.", code="unknown_category", field=field
        )
    found, todo = [], [category_id]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _like_pattern(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_products_query(
    session: Session,
    shop_id: int,
    *,
    text: str | None = None,
    category_id: int | None = None,
    category_field: str = "query.category_id",
) -> SelectOfScalar[Product]:
    """The shop's listed products whose title or description holds ``text`` (any case),
    in ``category_id`` or a category under it."""
    statement = listed_products_query(shop_id)
    words = (text or "").split()
    for word in words:
        pattern = _like_pattern(word)
        statement = statement.where(
            or_(
                func.lower(col(Product.title)).like(pattern, escape="\\"),
                func.lower(col(Product.description)).like(pattern, escape="\\"),
            )
        )
    if category_id is not None:
        ids = category_and_descendants(session, category_id, field=category_field)
        statement = statement.where(col(Product.category_id).in_(ids))
    return statement


def shop_categories(session: Session, shop_id: int) -> list[StorefrontCategory]:
    """The categories the shop has listed products in, with how many, by name."""
    listed = listed_products_query(shop_id).subquery()
    rows = session.exec(
        select(Category.id, Category.name, func.count())
        .join(listed, listed.c.category_id == Category.id)
        .group_by(col(Category.id), col(Category.name))
        .order_by(col(Category.name), col(Category.id))
    ).all()
    return [StorefrontCategory(id=cid or 0, name=name, products=n) for cid, name, n in rows]


def order_shipments(
    session: Session, order: Order, *, carriers: CarrierRegistry | None = None
) -> list[ShipmentPublic]:
    """The parcels of ``order`` with their tracking, oldest first."""
    rows: Sequence[Shipment] = session.exec(
        select(Shipment).where(Shipment.order_id == order.id).order_by(col(Shipment.id))
    ).all()
    tracking = tracking_of(session, [s.id for s in rows if s.id is not None])
    return [shipment_public(s, tracking[s.id or 0], carriers=carriers) for s in rows]


def shops_bought_from(session: Session, buyer_id: int | None, *, limit: int = 20) -> list[Shop]:
    """The open shops a person has ordered from, most recent first (links to buyer pages)."""
    if buyer_id is None:
        return []
    latest = (
        select(Order.shop_id, func.max(Order.id).label("last"))
        .where(Order.buyer_id == buyer_id)
        .group_by(col(Order.shop_id))
        .subquery()
    )
    return list(
        session.exec(
            select(Shop)
            .join(latest, latest.c.shop_id == Shop.id)
            .where(Shop.status == ShopStatus.open)
            .order_by(latest.c.last.desc())
            .limit(limit)
        ).all()
    )
