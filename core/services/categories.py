"""Categories and the rule that gates selling in them."""

from __future__ import annotations

from sqlmodel import Session, select

from core.errors import InvalidInput, PermissionDenied
from core.models import Category, Qualification, QualificationStatus, Shop


def ensure_shop_may_sell_in(session: Session, *, shop: Shop, category_id: int) -> Category:
    """Return the category, or refuse when the shop's type or qualifications don't allow it."""
    category = session.get(Category, category_id)
    if category is None:
        raise InvalidInput(f"Category {category_id} does not exist.", field="body.category_id")
    if category.shop_types and shop.type.value not in category.shop_types:
        raise PermissionDenied(
            f"Shops of type '{shop.type.value}' may not sell in '{category.name}'.",
            code="category_not_allowed",
            field="body.category_id",
        )
    if category.qualifications:
        approved = set(
            session.exec(
                select(Qualification.kind).where(
                    Qualification.shop_id == shop.id,
                    Qualification.status == QualificationStatus.approved,
                )
            ).all()
        )
        missing = sorted(set(category.qualifications) - approved)
        if missing:
            raise PermissionDenied(
                f"Selling in '{category.name}' needs approved qualifications: {', '.join(missing)}.",
                code="qualification_required",
                field="body.category_id",
                extra={"missing_qualifications": missing},
            )
    return category
