"""Event delivery: fan outbox events out to installations, deliver each one separately.

Each event becomes one :class:`~core.models.Delivery` per enabled installation whose plugin
implements the hook (nobody listening, no row and no payload). A delivery runs the plugin's
hook with that installation's scoped client under its time limit; a failure is retried on
:data:`BACKOFF_SCHEDULE_S`, then the delivery is *dead* and waits for a replay. Consecutive
failures open the installation's circuit: deliveries wait until a trial after the cooldown.
"""

from __future__ import annotations

import contextlib
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, or_, select

from core.models import (
    CircuitState,
    Delivery,
    DeliveryStatus,
    Installation,
    InstallationStatus,
    OutboxDispatch,
    OutboxEvent,
)
from core.models.base import utcnow
from core.plugins.client import ScopedClient
from core.plugins.manager import InstallationRef, PluginHost
from sdk.events import build_event

#: Seconds to wait before each retry of a failed delivery; after the last, it is dead.
BACKOFF_SCHEDULE_S: tuple[int, ...] = (10, 60, 300, 1800, 7200)

#: Events that go to one installation only (the one installed or removed).
LIFECYCLE_EVENTS = frozenset({"installation_created", "installation_removed"})


@dataclass(frozen=True)
class DeliveryResult:
    """What one delivery attempt did; ``retry_in_s`` says when to try again, if ever."""

    delivery_id: int
    status: str
    retry_in_s: float | None = None
    error: str = ""


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


# -- fan-out ------------------------------------------------------------------------------


def dispatch_outbox(
    engine: Engine, host: PluginHost, *, limit: int = 500, read_engine: Engine | None = None
) -> list[int]:
    """Turn undispatched outbox events into deliveries; returns the new delivery ids.

    Safe to run from several workers at once: the dispatch mark's primary key lets only one
    of them commit a given event.
    """
    if read_engine is not None and not _has_undispatched(read_engine):
        return []  # the common case after a burst: answered without the write lock
    with Session(engine, expire_on_commit=False) as session:
        events = session.exec(
            select(OutboxEvent)
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
        by_shop: dict[int, list[Installation]] = {}
        by_id: dict[int, Installation] = {}
        for row in rows:
            by_shop.setdefault(row.shop_id, []).append(row)
            by_id[row.id or 0] = row
        deliveries: list[Delivery] = []
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
                if not host.implements(inst.plugin_id, ev.name):
                    continue
                deliveries.append(
                    Delivery(
                        event_id=ev.event_id,
                        outbox_id=ev.id or 0,
                        installation_id=inst.id or 0,
                        shop_id=ev.shop_id,
                        plugin_id=inst.plugin_id,
                        hook=ev.name,
                        next_attempt_at=now,
                        enqueued_at=now,
                    )
                )
                made += 1
            session.add(OutboxDispatch(outbox_id=ev.id or 0, deliveries=made))
        session.add_all(deliveries)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            return []
        return [d.id for d in deliveries if d.id is not None]


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


# -- one delivery -------------------------------------------------------------------------


def deliver(
    engine: Engine, host: PluginHost, delivery_id: int, *, read_engine: Engine | None = None
) -> DeliveryResult:
    """Run one delivery's hook and record how it went. Never raises for the plugin's errors."""
    now = utcnow()
    with Session(read_engine or engine, expire_on_commit=False) as session:
        delivery = session.get(Delivery, delivery_id)
        if delivery is None or delivery.status in (DeliveryStatus.delivered, DeliveryStatus.dead):
            return DeliveryResult(delivery_id, "skipped")
        inst = session.get(Installation, delivery.installation_id)
        outbox = session.get(OutboxEvent, delivery.outbox_id)
    assert inst is not None and outbox is not None
    if inst.status == InstallationStatus.paused and delivery.hook not in LIFECYCLE_EVENTS:
        return DeliveryResult(delivery_id, "deferred")  # the sweep picks it up on resume
    retry_at = _aware(inst.circuit_retry_at)
    if inst.circuit_state == CircuitState.open and retry_at and retry_at > now:
        return DeliveryResult(delivery_id, "deferred", (retry_at - now).total_seconds())
    plugin = host.plugins.get(delivery.plugin_id)
    started = time.perf_counter()
    error = ""
    if not host.implements(delivery.plugin_id, delivery.hook) or plugin is None:
        error = f"plugin '{delivery.plugin_id}' is not loaded or no longer implements the hook"
    else:
        ref = InstallationRef.of(inst)
        error = _run_hook(host, engine, read_engine, ref, outbox, plugin.limits.timeout_s)
    duration_ms = int((time.perf_counter() - started) * 1000)
    return _finish(engine, host, delivery_id, error, duration_ms)


def _run_hook(
    host: PluginHost,
    engine: Engine,
    read_engine: Engine | None,
    inst: InstallationRef,
    outbox: OutboxEvent,
    timeout_s: float,
) -> str:
    """Call the plugin's hook in a thread of its own; returns an error text or ''."""
    try:
        payload = build_event(
            outbox.name,
            outbox.payload,
            event_id=outbox.event_id,
            shop_id=outbox.shop_id,
            occurred_at=outbox.created_at,
            sequence=outbox.sequence,
            resource_type=outbox.resource_type,
            resource_id=outbox.resource_id,
        )
        manifest = host.plugins[inst.plugin_id].manifest
        settings = manifest.parse_settings(inst.settings) if manifest else dict(inst.settings)
    except Exception as exc:
        return f"cannot build the payload: {type(exc).__name__}: {exc}"
    client = ScopedClient(engine, inst, read_engine=read_engine)
    caller = host.plugin_caller(inst.plugin_id, outbox.name)
    outcome: list[str] = []

    def target() -> None:
        try:
            caller(event=payload, client=client, settings=settings)
            outcome.append("")
        except BaseException as exc:
            outcome.append(f"{type(exc).__name__}: {exc}")

    thread = threading.Thread(target=target, name=f"hook-{inst.plugin_id}", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if thread.is_alive():
        return f"timed out after {timeout_s:g}s"
    return outcome[0] if outcome else "the hook ended without a result"


def _finish(
    engine: Engine, host: PluginHost, delivery_id: int, error: str, duration_ms: int
) -> DeliveryResult:
    now = utcnow()
    with Session(engine, expire_on_commit=False) as session:
        delivery = session.get(Delivery, delivery_id)
        assert delivery is not None
        inst = session.get(Installation, delivery.installation_id)
        assert inst is not None
        limits = host.config.limits_for(inst.plugin_id)
        delivery.attempts += 1
        delivery.duration_ms = duration_ms
        retry: float | None = None
        if not error:
            delivery.status = DeliveryStatus.delivered
            delivery.delivered_at = now
            delivery.last_error = ""
            inst.consecutive_failures = 0
            inst.circuit_state = CircuitState.closed
            inst.circuit_reason = ""
            inst.circuit_retry_at = None
        else:
            delivery.last_error = error[:2000]
            if delivery.attempts > len(BACKOFF_SCHEDULE_S):
                delivery.status = DeliveryStatus.dead
                delivery.next_attempt_at = None
            else:
                delivery.status = DeliveryStatus.failed
                retry = float(BACKOFF_SCHEDULE_S[delivery.attempts - 1])
                delivery.next_attempt_at = now + timedelta(seconds=retry)
            inst.consecutive_failures += 1
            half_open = inst.circuit_state != CircuitState.closed
            if half_open or inst.consecutive_failures >= limits.circuit_failures:
                inst.circuit_state = CircuitState.open
                inst.circuit_opened_at = now
                inst.circuit_retry_at = now + timedelta(seconds=limits.circuit_cooldown_s)
                inst.circuit_reason = (
                    f"{inst.consecutive_failures} consecutive failures; last: {error}"
                )[:500]
        session.add(delivery)
        session.add(inst)
        session.commit()
        return DeliveryResult(delivery_id, delivery.status.value, retry, error)


# -- retries, dead letters, replay ---------------------------------------------------------


def due_deliveries(engine: Engine, *, stale_after_s: float = 300.0, limit: int = 1000) -> list[int]:
    """Deliveries to (re-)enqueue: due and not enqueued in the last ``stale_after_s``.

    This is what makes a killed worker lose nothing: a delivery it was running is still
    pending, and the next sweep hands it out again.
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
        ).all()
        for row in rows:
            row.enqueued_at = now
            session.add(row)
        session.commit()
        return [r.id for r in rows if r.id is not None]


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


# -- after-commit notification -------------------------------------------------------------

_watchers: weakref.WeakKeyDictionary[Engine, list[Callable[[], Any]]] = weakref.WeakKeyDictionary()
_listening = False
_FLAG = "tanzi_outbox_written"


def watch_outbox(engine: Engine, callback: Callable[[], Any]) -> Callable[[], None]:
    """Call ``callback`` after every commit on ``engine`` that wrote outbox events.

    Returns a function that stops watching. The callback's errors are swallowed: the
    periodic sweep still dispatches whatever a missed notification left behind.
    """
    global _listening
    if not _listening:
        sa_event.listen(Session, "after_flush", _after_flush)
        sa_event.listen(Session, "after_commit", _after_commit)
        sa_event.listen(Session, "after_soft_rollback", _after_rollback)
        _listening = True
    _watchers.setdefault(engine, []).append(callback)

    def unwatch() -> None:
        callbacks = _watchers.get(engine, [])
        if callback in callbacks:
            callbacks.remove(callback)

    return unwatch


def _after_flush(session: Session, _ctx: Any) -> None:
    if any(isinstance(obj, OutboxEvent) for obj in session.new):
        session.info[_FLAG] = True


def _after_commit(session: Session) -> None:
    if not session.info.pop(_FLAG, False):
        return
    bind = session.bind
    engine = bind if isinstance(bind, Engine) else getattr(bind, "engine", None)
    for callback in list(_watchers.get(engine, [])) if engine is not None else []:
        with contextlib.suppress(Exception):
            callback()


def _after_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(_FLAG, None)
