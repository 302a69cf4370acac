"""Categories, the seed tree, and the rule that gates selling in them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlmodel import Session, select

from core.errors import InvalidInput, PermissionDenied
from core.models import Category, Qualification, QualificationStatus, Shop, ShopType

#: Qualification kinds the platform knows, with the licence's name.
QUALIFICATION_KINDS: dict[str, str] = {
    "food_licence": "食品经营许可证 Food business licence",
    "cosmetics_licence": "化妆品经营备案 Cosmetics licence",
    "publication_licence": "出版物经营许可证 Publication business licence",
}

_ALL = tuple(t.value for t in ShopType)
_BUSINESS = (ShopType.individual.value, ShopType.enterprise.value)


@dataclass(frozen=True)
class SeedCategory:
    name: str
    shop_types: tuple[str, ...] = _ALL
    qualifications: tuple[str, ...] = ()
    children: tuple[SeedCategory, ...] = field(default_factory=tuple)


#: The starting tree; children inherit their parent's gating.
SEED_TREE: tuple[SeedCategory, ...] = (
    SeedCategory(
        "服饰鞋包 Clothing",
        children=(
            SeedCategory("女装 Women's wear"),
            SeedCategory("男装 Men's wear"),
            SeedCategory("鞋靴 Shoes"),
            SeedCategory("箱包 Bags"),
        ),
    ),
    SeedCategory(
        "食品生鲜 Food",
        qualifications=("food_licence",),
        children=(
            SeedCategory("休闲零食 Snacks"),
            SeedCategory("水果生鲜 Fresh produce"),
            SeedCategory("茶叶 Tea"),
        ),
    ),
    SeedCategory(
        "美妆 Cosmetics",
        shop_types=_BUSINESS,
        qualifications=("cosmetics_licence",),
        children=(SeedCategory("护肤 Skincare"), SeedCategory("彩妆 Make-up")),
    ),
    SeedCategory(
        "二手闲置 Second-hand",
        shop_types=(ShopType.personal.value,),
        children=(SeedCategory("二手手机 Used phones"), SeedCategory("闲置家居 Used home goods")),
    ),
    SeedCategory(
        "数码家电 Electronics",
        children=(
            SeedCategory("手机 Phones"),
            SeedCategory("电脑 Computers"),
            SeedCategory("家用电器 Home appliances"),
        ),
    ),
    SeedCategory(
        "图书 Books",
        qualifications=("publication_licence",),
        children=(SeedCategory("文学 Literature"), SeedCategory("童书 Children's books")),
    ),
)


def _inherit(
    parent: Category | None, shop_types: Sequence[str], qualifications: Sequence[str]
) -> tuple[list[str], list[str]]:
    """A child may be sold in by at most its parent's shop types, and needs its licences too."""
    types = [t for t in _ALL if t in shop_types]
    quals = list(dict.fromkeys(qualifications))
    if parent is not None:
        if parent.shop_types:
            types = [t for t in types if t in parent.shop_types]
        quals = list(dict.fromkeys([*parent.qualifications, *quals]))
    return types, quals


def create_category(
    session: Session,
    *,
    name: str,
    parent_id: int | None = None,
    shop_types: Sequence[ShopType | str] = _ALL,
    qualifications: Sequence[str] = (),
) -> Category:
    """Add a category. It inherits its parent's limits (shop types narrowed, licences added)."""
    parent = None
    if parent_id is not None:
        parent = session.get(Category, parent_id)
        if parent is None:
            raise InvalidInput(
                f"Parent category {parent_id} does not exist.", field="body.parent_id"
            )
    types, quals = _inherit(parent, [ShopType(t).value for t in shop_types], qualifications)
    if not types:
        raise InvalidInput(
            "No shop type could sell in this category.",
            code="no_shop_types",
            field="body.shop_types",
        )
    category = Category(name=name, parent_id=parent_id, shop_types=types, qualifications=quals)
    session.add(category)
    session.flush()
    return category


def seed_categories(session: Session) -> int:
    """Create the starting category tree where missing (idempotent); return how many were new."""
    created = 0

    def plant(nodes: Sequence[SeedCategory], parent: Category | None) -> None:
        nonlocal created
        for node in nodes:
            parent_id = parent.id if parent else None
            statement = select(Category).where(Category.name == node.name)
            statement = statement.where(
                Category.parent_id == parent_id
                if parent_id is not None
                else Category.parent_id.is_(None)  # type: ignore[union-attr]
            )
            category = session.exec(statement).first()
            if category is None:
                category = create_category(
                    session,
                    name=node.name,
                    parent_id=parent_id,
                    shop_types=node.shop_types,
                    qualifications=node.qualifications,
                )
                created += 1
            plant(node.children, category)

    plant(SEED_TREE, None)
    return created


def category_tree(categories: Sequence[Category], roots: Sequence[Category]) -> list[dict]:
    """Nest ``categories`` under each of ``roots`` as plain dicts with ``children``."""
    by_parent: dict[int | None, list[Category]] = {}
    for category in sorted(categories, key=lambda c: c.id or 0):
        by_parent.setdefault(category.parent_id, []).append(category)

    def node(category: Category) -> dict:
        return {
            "id": category.id,
            "parent_id": category.parent_id,
            "name": category.name,
            "shop_types": list(category.shop_types),
            "qualifications": list(category.qualifications),
            "children": [node(child) for child in by_parent.get(category.id, [])],
        }

    return [node(root) for root in roots]


def known_qualification_kinds(session: Session) -> set[str]:
    """Kinds a shop may submit: the platform's list plus any a category requires."""
    kinds = set(QUALIFICATION_KINDS)
    for required in session.exec(select(Category.qualifications)).all():
        kinds.update(required)
    return kinds


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
