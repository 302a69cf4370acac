"""The admin console's qualifications tab: licences shops submitted, each with its document
(an image previewed, a PDF to open) through short-lived signed links, approved or rejected
with a reason, through :mod:`core.services.qualifications` (audit-logged there)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from core.api.deps import ReadSessionDep, SessionDep, SettingsDep
from core.api.files import signed_link
from core.errors import InvalidInput, InvalidState, NotFound
from core.models import Qualification, QualificationStatus, Shop
from core.models.files import StoredFile
from core.services import qualification_documents as documents
from core.services import qualifications as service
from marketplace.web.console_qualifications import kind_labels
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAdmin
from marketplace.web.templating import flash, gettext_for, render

router = web_router(tags=["admin"])
PAGE = "/admin/qualifications"
#: The most rows one page shows.
ROWS = 50
Reason = Annotated[str, Form(max_length=500)]


def _status(value: str) -> QualificationStatus | None:
    return QualificationStatus(value) if value in {s.value for s in QualificationStatus} else None


def _page(
    request: Request,
    session: Session,
    *,
    status: str = "pending",
    errors: dict[int, str] | None = None,
    status_code: int = 200,
) -> Response:
    chosen = _status(status)
    query = select(Qualification, Shop).join(Shop, col(Shop.id) == col(Qualification.shop_id))
    if chosen is not None:
        query = query.where(Qualification.status == chosen)
    rows = list(session.exec(query.order_by(col(Qualification.id)).limit(ROWS)).all())
    files = documents.documents_by_id(
        session, [q.document_file_id for q, _shop in rows if q.document_file_id is not None]
    )
    session.commit()
    context: dict[str, Any] = {
        "rows": rows,
        "files": files,
        "status": chosen.value if chosen else "all",
        "statuses": [s.value for s in QualificationStatus],
        "kind_labels": kind_labels(request),
        "errors": errors or {},
    }
    return render(request, "admin/qualifications.html", context, status_code=status_code)


@router.get(PAGE)
def qualifications_page(
    request: Request,
    session: ReadSessionDep,
    admin: RequireAdmin,
    status: Annotated[str, Query(max_length=20)] = "pending",
) -> Response:
    """Licences to review (pending first by default; ``?status=all`` for every one)."""
    return _page(request, session, status=status)


def _document(session: Session, qualification_id: int, *, preview: bool) -> StoredFile:
    qualification = service.get_qualification(session, qualification_id=qualification_id)
    file_id = qualification.document_file_id
    file = documents.documents_by_id(session, [file_id]).get(file_id) if file_id else None
    if file is not None and preview:
        file = documents.preview_of(session, file)
    if file is None:
        raise NotFound("This qualification has no document.", code="file_not_found")
    return file


@router.get(PAGE + "/{qualification_id}/document")
def qualification_document(
    qualification_id: int, session: ReadSessionDep, settings: SettingsDep, admin: RequireAdmin
) -> Response:
    """The licence's document through a fresh signed link."""
    file = _document(session, qualification_id, preview=False)
    session.commit()
    return RedirectResponse(signed_link(settings, file).url, status_code=303)


@router.get(PAGE + "/{qualification_id}/preview")
def qualification_preview(
    qualification_id: int, session: ReadSessionDep, settings: SettingsDep, admin: RequireAdmin
) -> Response:
    """The thumbnail of an image document through a fresh signed link (for ``<img>``)."""
    file = _document(session, qualification_id, preview=True)
    session.commit()
    return RedirectResponse(signed_link(settings, file).url, status_code=303)


@router.post(PAGE + "/{qualification_id}/approve")
def approve(
    qualification_id: int, request: Request, session: SessionDep, admin: RequireAdmin
) -> Response:
    """Approve a pending licence: the shop may sell in the categories that need it."""
    _ = gettext_for(request)
    try:
        service.approve_qualification(
            session, qualification_id=qualification_id, reviewer_id=admin.id
        )
    except InvalidState:
        session.rollback()
        flash(request, _("This licence was already reviewed."), "error")
        return RedirectResponse(PAGE, status_code=303)
    session.commit()
    flash(request, _("The licence is approved."), "success")
    return RedirectResponse(PAGE, status_code=303)


@router.post(PAGE + "/{qualification_id}/reject")
def reject(
    qualification_id: int,
    request: Request,
    session: SessionDep,
    admin: RequireAdmin,
    reason: Reason = "",
) -> Response:
    """Reject a pending licence with the reason the shop will read."""
    _ = gettext_for(request)
    try:
        service.reject_qualification(
            session, qualification_id=qualification_id, reviewer_id=admin.id, reason=reason
        )
    except InvalidInput:
        session.rollback()
        errors = {qualification_id: _("Say why it is rejected: the shop will read it.")}
        return _page(request, session, errors=errors, status_code=400)
    except InvalidState:
        session.rollback()
        flash(request, _("This licence was already reviewed."), "error")
        return RedirectResponse(PAGE, status_code=303)
    session.commit()
    flash(request, _("The licence is rejected."), "success")
    return RedirectResponse(PAGE, status_code=303)
