"""Retries and dead letters: which deliveries are due again, and replaying dead ones."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, or_, select

from core.models import Delivery, DeliveryStatus
from core.models.base import utcnow


def due_deliveries(engine: Engine, *, stale_after_s: float = 300.0, limit: int = 1000) -> list[int]:
    """Deliveries to (re-)enqueue: due and not enqueued in the last ``stale_after_s``.

    This is what makes a killed worker lose nothing: a delivery it was running is still
    pending, and the next sweep hands it out again.
    """
    batches = due_delivery_batches(engine, stale_after_s=stale_after_s, limit=limit)
    return sorted(i for ids in batches.values() for i in ids)


def due_delivery_batches(
    engine: Engine, *, stale_after_s: float = 300.0, limit: int = 1000
) -> dict[int, list[int]]:
    """:func:`due_deliveries` grouped by installation, each group in event order.

    Claims the rows (stamps ``enqueued_at``) so that sweepers running at once hand out
    disjoint sets.
    """
    now = utcnow()
    stale = now - timedelta(seconds=stale_after_s)
    with Session(engine, expire_on_commit=False) as session:
        rows = session.exec(
            select(Delivery)
            .where(
                col(Delivery.status).in_([DeliveryStatus.pending, DeliveryStatus.failed]),
                or_(col(Delivery.next_attempt_at).is_(None), col(Delivery.next_attempt_at) <= now),
                or_(col(Delivery.enqueued_at).is_(None), col(Delivery.enqueued_at) <= stale),
            )
            .order_by(col(Delivery.id))
            .limit(limit)
            # PostgreSQL: rows another sweeper is claiming are skipped, not claimed twice.
            # SQLite renders no FOR UPDATE; there every transaction is BEGIN IMMEDIATE
            # (core.db), so a second sweeper reads only after the first one's claim commits.
            .with_for_update(skip_locked=True)
        ).all()
        batches: dict[int, list[int]] = {}
        for row in sorted(rows, key=lambda r: (r.outbox_id, r.id or 0)):
            row.enqueued_at = now
            session.add(row)
            if row.id is not None:
                batches.setdefault(row.installation_id, []).append(row.id)
        session.commit()
        return batches


def dead_letters(
    session: Session, *, shop_id: int | None = None, plugin_id: str | None = None, limit: int = 100
) -> list[Delivery]:
    """Dead deliveries, newest first, optionally of one shop or plugin."""
    query = select(Delivery).where(Delivery.status == DeliveryStatus.dead)
    if shop_id is not None:
        query = query.where(Delivery.shop_id == shop_id)
    if plugin_id is not None:
        query = query.where(Delivery.plugin_id == plugin_id)
    return list(session.exec(query.order_by(col(Delivery.id).desc()).limit(limit)))


def replay_deliveries(session: Session, *, delivery_ids: list[int]) -> list[int]:
    """Put dead deliveries back to pending with fresh attempts; returns the ids replayed.

    Does not commit; enqueue the returned ids after the commit.
    """
    rows = session.exec(
        select(Delivery).where(
            col(Delivery.id).in_(delivery_ids), Delivery.status == DeliveryStatus.dead
        )
    ).all()
    now = utcnow()
    for row in rows:
        row.status = DeliveryStatus.pending
        row.attempts = 0
        row.next_attempt_at = now
        row.enqueued_at = now
        session.add(row)
    return [r.id for r in rows if r.id is not None]
