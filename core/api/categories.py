"""REST routes: the public category tree, and adding categories (admins)."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlmodel import select

from core.api.deps import AdminDep, PageParams, ReadSessionDep, SessionDep
from core.api.pagination import Page, paginate
from core.models import Category
from core.schemas.catalog_tree import CategoryCreate, CategoryNode
from core.services import categories as service
from core.services.audit import record_action

router = APIRouter(tags=["categories"])


@router.get("/categories", response_model=Page[CategoryNode])
def list_categories(session: ReadSessionDep, page: PageParams) -> Page[CategoryNode]:
    """The public category tree: top-level categories, paginated, each with nested children.

    ``shop_types`` says who may sell in a category and ``qualifications`` which approved
    licences a shop needs first. No authentication needed.
    """
    roots, next_cursor = paginate(
        session,
        select(Category).where(Category.parent_id.is_(None)),  # type: ignore[union-attr]
        Category.id,
        cursor=page[0],
        limit=page[1],
    )
    everything = session.exec(select(Category)).all()
    tree = service.category_tree(everything, roots)
    return Page(items=[CategoryNode.model_validate(n) for n in tree], next_cursor=next_cursor)


@router.post("/admin/categories", status_code=status.HTTP_201_CREATED, response_model=CategoryNode)
def create_category(body: CategoryCreate, admin: AdminDep, session: SessionDep) -> CategoryNode:
    """Add a category (platform admins only)."""
    category = service.create_category(
        session,
        name=body.name,
        parent_id=body.parent_id,
        shop_types=body.shop_types,
        qualifications=body.qualifications,
    )
    record_action(
        session,
        actor_id=admin.account_id,
        action="create_category",
        target_type="category",
        target_id=category.id or 0,
        data={"name": category.name, "parent_id": category.parent_id},
    )
    session.commit()
    return CategoryNode.model_validate(service.category_tree([category], [category])[0])
