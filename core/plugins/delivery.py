"""Delivery: run each delivery's hook (or webhook) and record how it went.

A delivery runs the plugin's hook with that installation's scoped client under its time
limit; a failure is retried on :data:`BACKOFF_SCHEDULE_S`, then the delivery is *dead* and
waits for a replay (:mod:`core.plugins.retries`). Consecutive failures open the
installation's circuit: deliveries wait until a trial after the cooldown.
"""

from __future__ import annotations

import time
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from core.models import (
    CircuitState,
    Delivery,
    DeliveryStatus,
    Installation,
    InstallationStatus,
    OutboxEvent,
)
from core.models.base import utcnow
from core.plugins.client import ScopedClient
from core.plugins.client_host import ClientHost
from core.plugins.eligibility import ineligible_reasons
from core.plugins.fanout import LIFECYCLE_EVENTS
from core.plugins.loading import PluginLimits
from core.plugins.manager import InstallationRef, PluginHost
from core.plugins.webhooks import REMOTE, load_secrets, notify_webhooks_paused, sender_for
from sdk.events import build_event

#: Seconds to wait before each retry of a failed delivery; after the last, it is dead.
BACKOFF_SCHEDULE_S: tuple[int, ...] = (10, 60, 300, 1800, 7200)


@dataclass(frozen=True)
class DeliveryResult:
    """What one delivery attempt did; ``retry_in_s`` says when to try again, if ever."""

    delivery_id: int
    status: str
    retry_in_s: float | None = None
    error: str = ""


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


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
    client_host: ClientHost | None = None,
) -> DeliveryResult:
    """Run one delivery's hook and record how it went. Never raises for the plugin's errors."""
    return deliver_batch(
        engine,
        host,
        [delivery_id],
        read_engine=read_engine,
        secret_key=secret_key,
        client_host=client_host,
    )[0]


def deliver_batch(
    engine: Engine,
    host: PluginHost,
    delivery_ids: list[int],
    *,
    read_engine: Engine | None = None,
    flush_every_s: float = FLUSH_EVERY_S,
    secret_key: str = "",
    client_host: ClientHost | None = None,
) -> list[DeliveryResult]:
    """Run deliveries one after the other (per installation, in event order) and record them.

    Each delivery is exactly what :func:`deliver` does on its own: its own scoped client,
    its own time limit, the installation's circuit checked before and updated after it.
    What it saves is the round trips: one read for the batch, and one write (one UPDATE
    for every delivery that succeeded) per ``flush_every_s``. Results come in the order of
    ``delivery_ids``; never raises for the plugins' errors.

    A remote app's delivery is a signed ``POST`` to its webhook URL instead of a hook call
    (:mod:`core.plugins.webhooks`), signed with its secret decrypted by ``secret_key``.
    ``client_host`` gives the hooks' clients the host's files, jobs and secrets.
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
            error = _run_hook(
                host, engine, read_engine, ref, outbox, plugin.limits.timeout_s, client_host
            )
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
    client_host: ClientHost | None = None,
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
    client = ScopedClient(engine, inst, read_engine=read_engine, host=client_host)
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
