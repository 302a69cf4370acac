"""REST routes: a shop's qualifications, and their review by platform admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from core.api.deps import Access, AdminDep, PageParams, ReadSessionDep, SessionDep, SettingsDep
from core.api.files import get_file_store, receive_body
from core.api.pagination import Page, paginate
from core.auth import ShopAccess
from core.files.service import written_files
from core.files.store import FileStore, StagedFile
from core.models import Qualification, QualificationStatus
from core.schemas.catalog_tree import QualificationCreate, QualificationPublic, QualificationReject
from core.schemas.files import DocumentPublic
from core.services import qualification_documents as documents
from core.services import qualifications as service
from core.settings import Settings
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


_BINARY = {"schema": {"type": "string", "format": "binary"}}
DOCUMENT_BODY = {
    "requestBody": {
        "required": True,
        "description": "The licence's scan: a JPEG, PNG or WebP image or a PDF, at most the "
        "upload limit.",
        "content": {t: _BINARY for t in documents.ACCEPTED_TYPES},
    }
}


def _store_document(
    session: Session, store: FileStore, settings: Settings, shop_id: int, staged: StagedFile
) -> DocumentPublic:
    with written_files(store) as written:
        document = documents.store_document(
            session, store, written, settings, shop_id=shop_id, staged=staged
        )
        out = DocumentPublic.model_validate(document)
        session.commit()
    return out


@router.post(
    "/shops/{shop_id}/qualifications/documents",
    status_code=status.HTTP_201_CREATED,
    response_model=DocumentPublic,
    openapi_extra=DOCUMENT_BODY,
)
async def upload_qualification_document(
    access: Annotated[ShopAccess, Access(Scope.shop_write)],
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
) -> DocumentPublic:
    """Upload a licence's scan (the body is the image or PDF); submit the qualification with
    its ``id`` as ``document_file_id``. The document is private (signed links only).

    Refused like an image: 413 ``file_too_large``, 415 ``unsupported_file_type``, 422
    ``invalid_image``, each naming ``body``, with nothing left in the store.
    """
    store = get_file_store(request)
    staged = await receive_body(request, store, settings)
    return await run_in_threadpool(
        _store_document, session, store, settings, access.shop_id, staged
    )


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
