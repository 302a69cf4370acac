"""The platform-wide search: open, unsuspended shops and their listed products whose words
match, ranked with the transaction guarantee first (a certified shop and its products come
before the rest), then a match in the name or title before one only in the description,
then newest first. Certification is judged in the query, against ``now``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, exists, func, or_
from sqlmodel import Session, col, select

from core.models import GuaranteeAssessment, Product, ProductStatus, Shop, ShopStatus
from core.models.base import utcnow
from core.schemas.platform_search import PlatformSearchResults, ProductHit, ShopHit
from core.services.products import storefront_products

#: Most shops and products one search answers.
LIMIT = 20


def _pattern(word: str) -> str:
    escaped = word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _contains(column: Any, word: str) -> Any:
    return func.lower(column).like(_pattern(word), escape="\\")


def certified_now(shop_id: Any, now: datetime) -> Any:
    """SQL: the shop holds a certificate valid at ``now`` (1 or 0, for ordering)."""
    valid = exists().where(
        GuaranteeAssessment.shop_id == shop_id,
        col(GuaranteeAssessment.certified).is_(True),
        col(GuaranteeAssessment.valid_from) <= now,
        col(GuaranteeAssessment.valid_until) > now,
    )
    return case((valid, 1), else_=0)


def _selling() -> Any:
    return and_(col(Shop.status) == ShopStatus.open, col(Shop.suspended_at).is_(None))


def search_shops(
    session: Session, text: str, *, now: datetime, limit: int = LIMIT
) -> list[ShopHit]:
    """Shops whose name or description holds every word of ``text``, ranked."""
    words = text.split()
    if not words:
        return []
    guaranteed = certified_now(Shop.id, now).label("guaranteed")
    in_name = and_(*(_contains(col(Shop.name), w) for w in words))
    statement = select(Shop, guaranteed).where(_selling())
    for word in words:
        statement = statement.where(
            or_(_contains(col(Shop.name), word), _contains(col(Shop.description), word))
        )
    rows = session.exec(
        statement.order_by(
            guaranteed.desc(), case((in_name, 0), else_=1), col(Shop.id).desc()
        ).limit(limit)
    ).all()
    return [
        ShopHit(
            id=shop.id or 0,
            name=shop.name,
            description=shop.description,
            type=shop.type,
            guaranteed=bool(flag),
        )
        for shop, flag in rows
    ]


def search_products(
    session: Session, text: str, *, now: datetime, limit: int = LIMIT
) -> list[ProductHit]:
    """Listed products of selling shops whose title or description holds every word, ranked."""
    words = text.split()
    if not words:
        return []
    guaranteed = certified_now(Product.shop_id, now).label("guaranteed")
    in_title = and_(*(_contains(col(Product.title), w) for w in words))
    statement = (
        select(Product, Shop.name, guaranteed)
        .join(Shop, col(Shop.id) == col(Product.shop_id))
        .where(
            _selling(),
            Product.status == ProductStatus.listed,
            col(Product.deleted_at).is_(None),
        )
    )
    for word in words:
        statement = statement.where(
            or_(_contains(col(Product.title), word), _contains(col(Product.description), word))
        )
    rows = session.exec(
        statement.order_by(
            guaranteed.desc(), case((in_title, 0), else_=1), col(Product.id).desc()
        ).limit(limit)
    ).all()
    views = storefront_products(session, [product for product, _name, _flag in rows])
    return [
        ProductHit(product=view, shop_name=name, guaranteed=bool(flag))
        for view, (_product, name, flag) in zip(views, rows, strict=True)
    ]


def platform_search(
    session: Session, text: str, *, now: datetime | None = None
) -> PlatformSearchResults:
    """Shops and products matching ``text`` (nothing for blank text)."""
    at = now or utcnow()
    return PlatformSearchResults(
        q=text,
        shops=search_shops(session, text, now=at),
        products=search_products(session, text, now=at),
    )
