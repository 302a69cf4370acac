"""The platform admins' audit log: one row per admin action, never edited afterwards.

Every admin action writes here, in the kernel (categories, qualifications, dead-letter
replays) and in the marketplace (review decisions, suspensions, check re-runs) alike."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from core.models import Account, AuditLogEntry


def record_action(
    session: Session,
    *,
    actor_id: int | None,
    action: str,
    target_type: str,
    target_id: int,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditLogEntry:
    """Write who did ``action`` to which target and why (not committed)."""
    entry = AuditLogEntry(
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        reason=reason,
        data=data or {},
    )
    session.add(entry)
    session.flush()
    return entry


def audit_entries(
    session: Session, *, before_id: int | None = None, limit: int = 50
) -> list[tuple[AuditLogEntry, Account | None]]:
    """The newest entries first (older than ``before_id`` when given), each with its actor."""
    query = select(AuditLogEntry, Account).outerjoin(
        Account, col(Account.id) == col(AuditLogEntry.actor_id)
    )
    if before_id is not None:
        query = query.where(col(AuditLogEntry.id) < before_id)
    rows = session.exec(query.order_by(col(AuditLogEntry.id).desc()).limit(limit)).all()
    return [(entry, actor) for entry, actor in rows]
