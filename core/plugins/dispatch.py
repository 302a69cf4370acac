"""Event delivery: fan outbox events out to installations, deliver each one separately.

Each event becomes one :class:`~core.models.Delivery` per enabled installation whose plugin
implements the hook (nobody listening, no row and no payload). A delivery runs the plugin's
hook with that installation's scoped client under its time limit; a failure is retried on
:data:`BACKOFF_SCHEDULE_S`, then the delivery is *dead* and waits for a replay. Consecutive
failures open the installation's circuit: deliveries wait until a trial after the cooldown.
"""

from __future__ import annotations

import atexit
import contextlib
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, insert, update
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
from core.outbox import OUTBOX_WRITTEN
from core.plugins.client import ScopedClient
from core.plugins.eligibility import ineligible_reasons
from core.plugins.loading import PluginLimits
from core.plugins.manager import InstallationRef, PluginHost
from core.plugins.webhooks import (
    REMOTE,
    load_secrets,
    notify_webhooks_paused,
    sender_for,
    topic_of,
)
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
    made = _dispatch(engine, host, limit=limit, read_engine=read_engine)
    return [delivery_id for delivery_id, _ in made]


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
            select(
                OutboxEvent.id,
                OutboxEvent.event_id,
                OutboxEvent.name,
                OutboxEvent.shop_id,
                OutboxEvent.resource_id,
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
        try:
            # the marks first: a second dispatcher of the same events stops at their keys
            session.execute(insert(OutboxDispatch), marks)
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
        except IntegrityError:
            session.rollback()
            return []
        return [(d, i) for d, i in made_rows if i not in held]


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


# -- deliveries -----------------------------------------------------------------------------

#: A batch records what it finished at least this often, so a killed worker repeats little.
FLUSH_EVERY_S = 0.5


@dataclass
class _Outcome:
    delivery_id: int
    installation_id: int
    error: str
    duration_ms: int


def deliver(
    engine: Engine,
    host: PluginHost,
    delivery_id: int,
    *,
    read_engine: Engine | None = None,
    secret_key: str = "",
) -> DeliveryResult:
    """Run one delivery's hook and record how it went. Never raises for the plugin's errors."""
    return deliver_batch(
        engine, host, [delivery_id], read_engine=read_engine, secret_key=secret_key
    )[0]


def deliver_batch(
    engine: Engine,
    host: PluginHost,
    delivery_ids: list[int],
    *,
    read_engine: Engine | None = None,
    flush_every_s: float = FLUSH_EVERY_S,
    secret_key: str = "",
) -> list[DeliveryResult]:
    """Run deliveries one after the other (per installation, in event order) and record them.

    Each delivery is exactly what :func:`deliver` does on its own: its own scoped client,
    its own time limit, the installation's circuit checked before and updated after it.
    What it saves is the round trips: one read for the batch, and one write (one UPDATE
    for every delivery that succeeded) per ``flush_every_s``. Results come in the order of
    ``delivery_ids``; never raises for the plugins' errors.

    A remote app's delivery is a signed ``POST`` to its webhook URL instead of a hook call
    (:mod:`core.plugins.webhooks`), signed with its secret decrypted by ``secret_key``.
    """
    with Session(read_engine or engine, expire_on_commit=False) as session:
        rows = {
            d.id: d
            for d in session.exec(select(Delivery).where(col(Delivery.id).in_(delivery_ids)))
        }
        inst_ids = {d.installation_id for d in rows.values()}
        insts = {
            i.id: i
            for i in session.exec(select(Installation).where(col(Installation.id).in_(inst_ids)))
        }
        outbox_ids = {d.outbox_id for d in rows.values()}
        events = {
            e.id: e
            for e in session.exec(select(OutboxEvent).where(col(OutboxEvent.id).in_(outbox_ids)))
        }
        secrets = load_secrets(session, insts.values(), secret_key=secret_key)
        held, _ = ineligible_reasons(session, list(insts.values()))
    results: dict[int, DeliveryResult] = {}
    holding: dict[int, str] = {}
    todo: list[Delivery] = []
    for delivery_id in dict.fromkeys(delivery_ids):
        row = rows.get(delivery_id)
        if row is None or row.status in (DeliveryStatus.delivered, DeliveryStatus.dead):
            results[delivery_id] = DeliveryResult(delivery_id, "skipped")
        else:
            todo.append(row)
    todo.sort(key=lambda d: (d.installation_id, d.outbox_id, d.id or 0))
    outcomes: list[_Outcome] = []
    last_flush = time.monotonic()
    for delivery in todo:
        # the detached rows double as the circuit's state as this batch moves it
        inst, outbox = insts.get(delivery.installation_id), events.get(delivery.outbox_id)
        assert inst is not None and outbox is not None
        delivery_id = delivery.id or 0
        now = utcnow()
        if inst.status == InstallationStatus.paused and delivery.hook not in LIFECYCLE_EVENTS:
            results[delivery_id] = DeliveryResult(delivery_id, "deferred")  # swept on resume
            continue
        reason = held.get(delivery.installation_id, "")
        if reason and delivery.hook not in LIFECYCLE_EVENTS:
            holding[delivery_id] = reason  # lapsed or suspended since it was queued
            results[delivery_id] = DeliveryResult(delivery_id, "held", error=reason)
            continue
        retry_at = _aware(inst.circuit_retry_at)
        if inst.circuit_state == CircuitState.open and retry_at and retry_at > now:
            wait = (retry_at - now).total_seconds()
            results[delivery_id] = DeliveryResult(delivery_id, "deferred", wait)
            continue
        plugin = host.plugins.get(delivery.plugin_id)
        started = time.perf_counter()
        if inst.kind == REMOTE:
            error = sender_for(host).send(
                inst,
                outbox,
                secret=secrets.get(delivery.installation_id, ""),
                timeout_s=host.config.limits_for(inst.plugin_id).timeout_s,
            )
        elif not host.implements(delivery.plugin_id, delivery.hook) or plugin is None:
            error = f"plugin '{delivery.plugin_id}' is not loaded or no longer implements the hook"
        else:
            ref = InstallationRef.of(inst)
            error = _run_hook(host, engine, read_engine, ref, outbox, plugin.limits.timeout_s)
        duration_ms = int((time.perf_counter() - started) * 1000)
        _move_circuit(inst, host.config.limits_for(inst.plugin_id), error, utcnow())
        outcomes.append(_Outcome(delivery_id, inst.id or 0, error, duration_ms))
        if time.monotonic() - last_flush >= flush_every_s:
            results.update(_record(engine, host, outcomes))
            outcomes, last_flush = [], time.monotonic()
    results.update(_record(engine, host, outcomes))
    _hold(engine, holding)
    return [results[i] for i in delivery_ids]


def _hold(engine: Engine, reasons: dict[int, str]) -> None:
    """Keep deliveries the service may not have now as dead letters saying why (no attempt
    is spent and the circuit does not move); a replay sends them later."""
    if not reasons:
        return
    with Session(engine) as session:
        for reason, ids in _group(reasons).items():
            session.execute(
                update(Delivery)
                .where(col(Delivery.id).in_(ids), col(Delivery.status) != DeliveryStatus.delivered)
                .values(status=DeliveryStatus.dead, last_error=reason, next_attempt_at=None)
                .execution_options(synchronize_session=False)
            )
        session.commit()


def _group(reasons: dict[int, str]) -> dict[str, list[int]]:
    grouped: dict[str, list[int]] = {}
    for delivery_id, reason in reasons.items():
        grouped.setdefault(reason, []).append(delivery_id)
    return grouped


def _run_hook(
    host: PluginHost,
    engine: Engine,
    read_engine: Engine | None,
    inst: InstallationRef,
    outbox: OutboxEvent,
    timeout_s: float,
) -> str:
    """Call the plugin's hook on the plugin's own threads; returns an error text or ''."""
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

    def target() -> str:
        try:
            caller(event=payload, client=client, settings=settings)
        except BaseException as exc:
            return f"{type(exc).__name__}: {exc}"
        return ""

    future = host.hook_pool(inst.plugin_id).submit(target)
    try:
        return str(future.result(timeout_s))
    except FutureTimeout:
        future.cancel()  # still queued behind the plugin's own calls: never run it
        return f"timed out after {timeout_s:g}s"
    except Exception as exc:  # the pool itself failed
        return f"the hook ended without a result: {type(exc).__name__}: {exc}"


def _move_circuit(inst: Installation, limits: PluginLimits, error: str, now: datetime) -> None:
    """One delivery's effect on its installation's failure count and circuit."""
    if not error:
        inst.consecutive_failures = 0
        inst.circuit_state = CircuitState.closed
        inst.circuit_reason = ""
        inst.circuit_retry_at = None
        return
    inst.consecutive_failures += 1
    half_open = inst.circuit_state != CircuitState.closed
    if half_open or inst.consecutive_failures >= limits.circuit_failures:
        inst.circuit_state = CircuitState.open
        inst.circuit_opened_at = now
        inst.circuit_retry_at = now + timedelta(seconds=limits.circuit_cooldown_s)
        inst.circuit_reason = (f"{inst.consecutive_failures} consecutive failures; last: {error}")[
            :500
        ]


def _record(
    engine: Engine, host: PluginHost, outcomes: list[_Outcome]
) -> dict[int, DeliveryResult]:
    """Write finished deliveries and their installations' circuits in one transaction."""
    if not outcomes:
        return {}
    now = utcnow()
    results: dict[int, DeliveryResult] = {}
    with Session(engine, expire_on_commit=False) as session:
        insts = {
            i.id: i
            for i in session.exec(
                select(Installation).where(
                    col(Installation.id).in_({o.installation_id for o in outcomes})
                )
            )
        }
        ok = [o for o in outcomes if not o.error]
        failed = {o.delivery_id: o for o in outcomes if o.error}
        if ok:
            session.execute(
                update(Delivery)
                .where(col(Delivery.id).in_([o.delivery_id for o in ok]))
                .values(
                    status=DeliveryStatus.delivered,
                    delivered_at=now,
                    last_error="",
                    attempts=col(Delivery.attempts) + 1,
                    duration_ms=case(
                        {o.delivery_id: o.duration_ms for o in ok}, value=col(Delivery.id)
                    ),
                )
                .execution_options(synchronize_session=False)
            )
            for o in ok:
                results[o.delivery_id] = DeliveryResult(o.delivery_id, "delivered")
        rows = (
            {d.id: d for d in session.exec(select(Delivery).where(col(Delivery.id).in_(failed)))}
            if failed
            else {}
        )
        for o in outcomes:  # replayed in order onto the rows as committed
            inst = insts[o.installation_id]
            was_closed = inst.circuit_state == CircuitState.closed
            _move_circuit(inst, host.config.limits_for(inst.plugin_id), o.error, now)
            if was_closed and inst.circuit_state == CircuitState.open and inst.kind == REMOTE:
                notify_webhooks_paused(session, installation=inst)
            if not o.error:
                continue
            delivery = rows[o.delivery_id]
            delivery.attempts += 1
            delivery.duration_ms = o.duration_ms
            delivery.last_error = o.error[:2000]
            retry: float | None = None
            if delivery.attempts > len(BACKOFF_SCHEDULE_S):
                delivery.status = DeliveryStatus.dead
                delivery.next_attempt_at = None
            else:
                delivery.status = DeliveryStatus.failed
                retry = float(BACKOFF_SCHEDULE_S[delivery.attempts - 1])
                delivery.next_attempt_at = now + timedelta(seconds=retry)
            session.add(delivery)
            results[o.delivery_id] = DeliveryResult(
                o.delivery_id, delivery.status.value, retry, o.error
            )
        session.commit()
    return results


# -- retries, dead letters, replay ---------------------------------------------------------


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
    """:func:`due_deliveries` grouped by installation, each group in event order."""
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


# -- after-commit notification -------------------------------------------------------------

_watchers: weakref.WeakKeyDictionary[Engine, list[Callable[[], Any]]] = weakref.WeakKeyDictionary()
_listening = False


class Coalescer:
    """Runs ``callback`` on a thread of its own after :meth:`notify`, once per burst.

    Trailing edge: the flag is cleared before each run, so a notification that comes while
    the callback runs gets a run of its own after it, and one that came before is covered
    by the run that follows. The notifying thread (a request, a job) pays for setting a
    flag, never for a queue round trip. A notification still pending at interpreter exit
    is run then; one lost to a crash is what the periodic sweep is for.
    """

    def __init__(self, callback: Callable[[], Any], name: str = "tanzi-outbox-notify") -> None:
        self.callback = callback
        self.name = name
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopped = False
        atexit.register(self.flush)

    def notify(self) -> None:
        self._wake.set()
        if self._thread is None:
            with self._lock:
                if self._thread is None and not self._stopped:
                    self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                    self._thread.start()

    __call__ = notify

    def _run(self) -> None:
        while True:
            self._wake.wait()
            if self._stopped:
                return
            self._wake.clear()
            self._call()

    def _call(self) -> None:
        with contextlib.suppress(Exception):
            self.callback()

    def flush(self) -> None:
        """Run a pending notification now, in the caller's thread."""
        if self._wake.is_set():
            self._wake.clear()
            self._call()

    def stop(self) -> None:
        """Run what is pending and end the thread."""
        self.flush()
        self._stopped = True
        self._wake.set()
        atexit.unregister(self.flush)


def watch_outbox(
    engine: Engine, callback: Callable[[], Any], *, coalesce: bool = True
) -> Callable[[], None]:
    """Call ``callback`` after every commit on ``engine`` that wrote outbox events.

    With ``coalesce`` (the default) it runs on a :class:`Coalescer` thread, once per burst
    of commits; otherwise in the committing thread, once per commit. Returns a function
    that stops watching. The callback's errors are swallowed: the periodic sweep still
    dispatches whatever a missed notification left behind.
    """
    global _listening
    if not _listening:
        sa_event.listen(Session, "after_commit", _after_commit)
        sa_event.listen(Session, "after_soft_rollback", _after_rollback)
        _listening = True
    coalescer = Coalescer(callback) if coalesce else None
    watcher = coalescer.notify if coalescer is not None else callback
    _watchers.setdefault(engine, []).append(watcher)

    def unwatch() -> None:
        callbacks = _watchers.get(engine, [])
        if watcher in callbacks:
            callbacks.remove(watcher)
        if coalescer is not None:
            coalescer.stop()

    return unwatch


def _after_commit(session: Session) -> None:
    if not session.info.pop(OUTBOX_WRITTEN, False):
        return
    bind = session.bind
    engine = bind if isinstance(bind, Engine) else getattr(bind, "engine", None)
    for callback in list(_watchers.get(engine, [])) if engine is not None else []:
        with contextlib.suppress(Exception):
            callback()


def _after_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(OUTBOX_WRITTEN, None)
