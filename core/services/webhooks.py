"""An installation's deliveries for the consoles, and replaying its backlog.

Typed, keyword-only services that take a session and never commit; the caller commits and
then enqueues the replayed deliveries (in the returned order).
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from core.errors import InvalidState
from core.models import (
    CircuitState,
    Delivery,
    DeliveryStatus,
    Installation,
    InstallationStatus,
)
from core.models.base import utcnow

#: Deliveries that have not reached the app yet.
BACKLOG = (DeliveryStatus.pending, DeliveryStatus.failed, DeliveryStatus.dead)


def recent_deliveries(
    session: Session,
    *,
    installation_id: int,
    status: DeliveryStatus | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[Delivery]:
    """The installation's deliveries, newest first, optionally of one status."""
    query = select(Delivery).where(Delivery.installation_id == installation_id)
    if status is not None:
        query = query.where(Delivery.status == status)
    if before_id is not None:
        query = query.where(col(Delivery.id) < before_id)
    return list(session.exec(query.order_by(col(Delivery.id).desc()).limit(limit)))


def backlog_counts(session: Session, *, installation_id: int) -> dict[str, int]:
    """How many of the installation's deliveries wait, by status (every backlog status)."""
    counts = {s.value: 0 for s in BACKLOG}
    rows = session.exec(
        select(Delivery.status, func.count())
        .where(Delivery.installation_id == installation_id, col(Delivery.status).in_(BACKLOG))
        .group_by(Delivery.status)
    ).all()
    for status, count in rows:
        counts[DeliveryStatus(status).value] = int(count)
    return counts


def replay_backlog(
    session: Session, *, installation: Installation, delivery_ids: list[int] | None = None
) -> list[int]:
    """Send the installation's backlog again now; returns the delivery ids in event order.

    Closes the installation's circuit (the app says it is back), and puts every delivery
    not yet delivered (pending, failed or dead; or only those of ``delivery_ids``) back to
    pending with fresh attempts, due at once. Delivered ones are never sent again.
    """
    if installation.status is not InstallationStatus.enabled:
        raise InvalidState(
            f"The installation is {installation.status.value}; only an enabled one replays.",
            code="installation_not_enabled",
        )
    installation.consecutive_failures = 0
    installation.circuit_state = CircuitState.closed
    installation.circuit_reason = ""
    installation.circuit_retry_at = None
    session.add(installation)
    query = select(Delivery).where(
        Delivery.installation_id == installation.id, col(Delivery.status).in_(BACKLOG)
    )
    if delivery_ids is not None:
        query = query.where(col(Delivery.id).in_(delivery_ids))
    rows = session.exec(query.order_by(col(Delivery.outbox_id), col(Delivery.id))).all()
    now = utcnow()
    for row in rows:
        row.status = DeliveryStatus.pending
        row.attempts = 0
        row.next_attempt_at = now
        row.enqueued_at = now
        session.add(row)
    session.flush()
    return [r.id for r in rows if r.id is not None]
