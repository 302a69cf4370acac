"""REST routes: a shop's qualifications, and their review by platform admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlmodel import select

from core.api.deps import Access, AdminDep, PageParams, ReadSessionDep, SessionDep
from core.api.pagination import Page, paginate
from core.auth import ShopAccess
from core.models import Qualification, QualificationStatus
from core.schemas.catalog_tree import QualificationCreate, QualificationPublic, QualificationReject
from core.services import qualifications as service
from sdk.scopes import Scope

router = APIRouter(tags=["qualifications"])


def _page(rows: list[Qualification], next_cursor: str | None) -> Page[QualificationPublic]:
    return Page(
        items=[QualificationPublic.model_validate(q) for q in rows], next_cursor=next_cursor
    )


@router.post(
    "/shops/{shop_id}/qualifications",
    status_code=status.HTTP_201_CREATED,
    response_model=QualificationPublic,
)
def submit_qualification(
    body: QualificationCreate,
    access: Annotated[ShopAccess, Access(Scope.shop_write)],
    session: SessionDep,
) -> QualificationPublic:
    """Submit a licence (e.g. ``food_licence``) for a platform admin to review."""
    qualification = service.submit_qualification(
        session,
        shop=access.shop,
        kind=body.kind,
        document_number=body.document_number,
        document_file_id=body.document_file_id,
    )
    session.commit()
    return QualificationPublic.model_validate(qualification)


@router.get("/shops/{shop_id}/qualifications", response_model=Page[QualificationPublic])
def list_shop_qualifications(
    access: Annotated[ShopAccess, Access(Scope.shop_read)],
    session: ReadSessionDep,
    page: PageParams,
) -> Page[QualificationPublic]:
    """The shop's qualifications, with their review status."""
    statement = select(Qualification).where(Qualification.shop_id == access.shop_id)
    return _page(*paginate(session, statement, Qualification.id, cursor=page[0], limit=page[1]))


@router.get("/admin/qualifications", response_model=Page[QualificationPublic])
def list_qualifications(
    admin: AdminDep,
    session: ReadSessionDep,
    page: PageParams,
    status: Annotated[QualificationStatus | None, Query(description="Filter by status")] = None,
) -> Page[QualificationPublic]:
    """Every shop's qualifications (platform admins), e.g. ``?status=pending`` to review."""
    statement = select(Qualification)
    if status is not None:
        statement = statement.where(Qualification.status == status)
    return _page(*paginate(session, statement, Qualification.id, cursor=page[0], limit=page[1]))


@router.post("/admin/qualifications/{qualification_id}/approve", response_model=QualificationPublic)
def approve_qualification(
    qualification_id: int, admin: AdminDep, session: SessionDep
) -> QualificationPublic:
    """Approve a pending qualification (platform admins)."""
    qualification = service.approve_qualification(
        session, qualification_id=qualification_id, reviewer_id=admin.account_id
    )
    session.commit()
    return QualificationPublic.model_validate(qualification)


@router.post("/admin/qualifications/{qualification_id}/reject", response_model=QualificationPublic)
def reject_qualification(
    qualification_id: int, body: QualificationReject, admin: AdminDep, session: SessionDep
) -> QualificationPublic:
    """Reject a pending qualification with a reason (platform admins)."""
    qualification = service.reject_qualification(
        session, qualification_id=qualification_id, reviewer_id=admin.account_id, reason=body.reason
    )
    session.commit()
    return QualificationPublic.model_validate(qualification)
