"""Fan-out: turn outbox events into one delivery row per listening installation.

Each event becomes one :class:`~core.models.Delivery` per enabled installation whose plugin
implements the hook (nobody listening, no row and no payload). Suspended listings and
lapsed subscriptions get theirs as held dead letters. Running the deliveries is
:mod:`core.plugins.delivery`'s job.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy import select as select_row
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from core.models import (
    Delivery,
    DeliveryStatus,
    Installation,
    InstallationStatus,
    OutboxDispatch,
    OutboxEvent,
)
from core.models.base import utcnow
from core.plugins.eligibility import ineligible_reasons
from core.plugins.manager import PluginHost
from core.plugins.webhooks import REMOTE, topic_of

#: Events that go to one installation only (the one installed or removed).
LIFECYCLE_EVENTS = frozenset({"installation_created", "installation_removed"})


def dispatch_outbox(
    engine: Engine, host: PluginHost, *, limit: int = 500, read_engine: Engine | None = None
) -> list[int]:
    """Turn undispatched outbox events into deliveries; returns the new delivery ids.

    Safe to run from several workers at once: the dispatch mark's primary key lets only one
    of them commit a given event.
    """
    made = _dispatch(engine, host, limit=limit, read_engine=read_engine)
    return [delivery_id for delivery_id, _ in made]


def dispatch_all(engine: Engine, host: PluginHost) -> list[int]:
    """Dispatch page after page until no event is left undispatched; the new delivery ids
    (for one-shot callers, such as the SDK's sandbox, that must reach the newest event
    behind a backlog of more than one page)."""
    made: list[int] = []
    for _ in range(MAX_PAGES):
        if not _has_undispatched(engine):
            break
        made.extend(dispatch_outbox(engine, host))
    return made


#: A bound on :func:`dispatch_all`'s pages (500 events each), in case another process keeps
#: adding events as fast as they are dispatched.
MAX_PAGES = 1000


def dispatch_outbox_batches(
    engine: Engine, host: PluginHost, *, limit: int = 500, read_engine: Engine | None = None
) -> dict[int, list[int]]:
    """Like :func:`dispatch_outbox`, the new delivery ids grouped by installation, each
    group in event order (what one delivery batch per installation runs)."""
    made = _dispatch(engine, host, limit=limit, read_engine=read_engine)
    batches: dict[int, list[int]] = {}
    for delivery_id, installation_id in made:
        batches.setdefault(installation_id, []).append(delivery_id)
    return batches


def _dispatch(
    engine: Engine, host: PluginHost, *, limit: int, read_engine: Engine | None
) -> list[tuple[int, int]]:
    """Fan one page of events out; returns (delivery id, installation id) in event order."""
    if read_engine is not None and not _has_undispatched(read_engine):
        return []  # the common case after a burst: answered without the write lock
    with Session(engine, expire_on_commit=False) as session:
        events = session.execute(
            select_row(
                col(OutboxEvent.id),
                col(OutboxEvent.event_id),
                col(OutboxEvent.name),
                col(OutboxEvent.shop_id),
                col(OutboxEvent.resource_id),
            )
            .outerjoin(OutboxDispatch, col(OutboxDispatch.outbox_id) == OutboxEvent.id)
            .where(col(OutboxDispatch.outbox_id).is_(None))
            .order_by(col(OutboxEvent.id))
            .limit(limit)
        ).all()
        if not events:
            return []
        shop_ids = {e.shop_id for e in events}
        rows = session.exec(
            select(Installation).where(col(Installation.shop_id).in_(shop_ids))
        ).all()
        # suspended listings and lapsed subscriptions get their events as held dead letters
        held, _ = ineligible_reasons(session, rows)
        by_shop: dict[int, list[Installation]] = {}
        by_id: dict[int, Installation] = {}
        for row in rows:
            by_shop.setdefault(row.shop_id, []).append(row)
            by_id[row.id or 0] = row
        deliveries: list[dict[str, Any]] = []
        marks: list[dict[str, Any]] = []
        now = utcnow()
        for ev in events:
            if ev.name in LIFECYCLE_EVENTS:
                target = by_id.get(ev.resource_id)
                targets = [target] if target is not None else []
            else:
                targets = [
                    i for i in by_shop.get(ev.shop_id, []) if i.status != InstallationStatus.removed
                ]
            made = 0
            for inst in targets:
                if inst.status == InstallationStatus.paused and ev.name not in LIFECYCLE_EVENTS:
                    continue
                if inst.kind == REMOTE:
                    topics = inst.webhook_topics  # dotted topics; event names are taken too
                    if topic_of(ev.name) not in topics and ev.name not in topics:
                        continue
                elif not host.implements(inst.plugin_id, ev.name):
                    continue
                reason = held.get(inst.id or 0, "")
                if reason and ev.name in LIFECYCLE_EVENTS:
                    continue  # nothing to hold: the installation changed meanwhile
                deliveries.append(
                    {
                        "event_id": ev.event_id,
                        "outbox_id": ev.id,
                        "installation_id": inst.id,
                        "shop_id": ev.shop_id,
                        "plugin_id": inst.plugin_id,
                        "hook": ev.name,
                        "status": DeliveryStatus.dead if reason else DeliveryStatus.pending,
                        "attempts": 0,
                        "last_error": reason,
                        "next_attempt_at": None if reason else now,
                        "enqueued_at": None if reason else now,
                        "created_at": now,
                    }
                )
                made += 1
            marks.append({"outbox_id": ev.id, "deliveries": made, "dispatched_at": now})
        # The marks first: a second dispatcher of the same events claims none of them. It
        # skips taken keys (ON CONFLICT DO NOTHING) instead of failing on them: a failed
        # statement would abort psycopg's pipeline and roll back the whole page.
        claimed = {
            row[0]
            for row in session.execute(
                _insert_new(session, OutboxDispatch).returning(
                    col(OutboxDispatch.outbox_id), sort_by_parameter_order=True
                ),
                marks,
            )
        }
        deliveries = [d for d in deliveries if d["outbox_id"] in claimed]
        made_rows: list[tuple[int, int]] = []
        if deliveries:
            made_rows = [
                (r[0], r[1])
                for r in session.execute(
                    insert(Delivery).returning(
                        col(Delivery.id),
                        col(Delivery.installation_id),
                        sort_by_parameter_order=True,
                    ),
                    deliveries,
                )
            ]
        session.commit()
        return [(d, i) for d, i in made_rows if i not in held]


def _insert_new(session: Session, model: Any) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` in the session's dialect."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        return postgresql.insert(model).on_conflict_do_nothing()
    return sqlite.insert(model).on_conflict_do_nothing()


def _has_undispatched(read_engine: Engine) -> bool:
    with Session(read_engine) as session:
        return (
            session.exec(
                select(OutboxEvent.id)
                .outerjoin(OutboxDispatch, col(OutboxDispatch.outbox_id) == OutboxEvent.id)
                .where(col(OutboxDispatch.outbox_id).is_(None))
                .limit(1)
            ).first()
            is not None
        )
