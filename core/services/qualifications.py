"""Shop qualifications (licences): submitted by a shop, reviewed by a platform admin."""

from __future__ import annotations

from sqlmodel import Session, select

from core.errors import Conflict, InvalidInput, InvalidState, NotFound
from core.models import Qualification, QualificationStatus, Shop
from core.models.base import utcnow
from core.services.audit import record_action
from core.services.categories import known_qualification_kinds
from core.services.qualification_documents import claim_document


def _check_document(session: Session, shop: Shop, file_id: int) -> None:
    assert shop.id is not None
    if claim_document(session, shop_id=shop.id, file_id=file_id) is None:
        raise InvalidInput(
            f"File {file_id} is not a document of this shop (or it has expired).",
            code="unknown_document",
            field="body.document_file_id",
        )


def submit_qualification(
    session: Session,
    *,
    shop: Shop,
    kind: str,
    document_number: str,
    document_file_id: int | None = None,
) -> Qualification:
    """Submit a licence for review. One pending or approved qualification per kind.

    ``document_file_id`` is the scanned licence, a ``document`` file the shop uploaded
    (:mod:`core.services.qualification_documents`).
    """
    if kind not in known_qualification_kinds(session):
        raise InvalidInput(
            f"'{kind}' is not a qualification kind any category asks for.",
            code="unknown_qualification",
            field="body.kind",
        )
    current = session.exec(
        select(Qualification).where(
            Qualification.shop_id == shop.id,
            Qualification.kind == kind,
            Qualification.status != QualificationStatus.rejected,
        )
    ).first()
    if current is not None:
        raise Conflict(
            f"This shop already has a {current.status.value} '{kind}' qualification.",
            code="qualification_exists",
            field="body.kind",
            extra={"qualification_id": current.id},
        )
    if document_file_id is not None:
        _check_document(session, shop, document_file_id)
    assert shop.id is not None
    qualification = Qualification(
        shop_id=shop.id,
        kind=kind,
        document_number=document_number,
        document_file_id=document_file_id,
    )
    session.add(qualification)
    session.flush()
    return qualification


def get_qualification(session: Session, *, qualification_id: int) -> Qualification:
    """The qualification with this id, or :class:`NotFound`."""
    qualification = session.get(Qualification, qualification_id)
    if qualification is None:
        raise NotFound(f"Qualification {qualification_id} was not found.")
    return qualification


def _review(
    session: Session,
    *,
    qualification_id: int,
    reviewer_id: int | None,
    status: QualificationStatus,
    reason: str,
) -> Qualification:
    qualification = session.exec(
        select(Qualification).where(Qualification.id == qualification_id).with_for_update()
    ).first()
    if qualification is None:
        raise NotFound(f"Qualification {qualification_id} was not found.")
    if qualification.status != QualificationStatus.pending:
        raise InvalidState(
            f"Qualification {qualification_id} was already {qualification.status.value}.",
            code="qualification_reviewed",
        )
    qualification.status = status
    qualification.reason = reason
    qualification.reviewed_by = reviewer_id
    qualification.reviewed_at = utcnow()
    session.add(qualification)
    session.flush()
    record_action(  # the API and the admin console alike
        session,
        actor_id=reviewer_id,
        action=f"{'approve' if status == QualificationStatus.approved else 'reject'}_qualification",
        target_type="qualification",
        target_id=qualification.id or 0,
        reason=reason,
        data={"shop_id": qualification.shop_id, "kind": qualification.kind},
    )
    return qualification


def approve_qualification(
    session: Session, *, qualification_id: int, reviewer_id: int | None
) -> Qualification:
    """Approve a pending qualification; the shop may then sell in categories needing it."""
    return _review(
        session,
        qualification_id=qualification_id,
        reviewer_id=reviewer_id,
        status=QualificationStatus.approved,
        reason="",
    )


def reject_qualification(
    session: Session, *, qualification_id: int, reviewer_id: int | None, reason: str
) -> Qualification:
    """Reject a pending qualification with a reason the shop will read."""
    if not reason.strip():
        raise InvalidInput("A rejection needs a reason.", field="body.reason")
    return _review(
        session,
        qualification_id=qualification_id,
        reviewer_id=reviewer_id,
        status=QualificationStatus.rejected,
        reason=reason.strip(),
    )
