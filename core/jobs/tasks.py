"""Huey tasks: dispatch outbox events, deliver them in batches, sweep what was missed, run jobs,
and the kernel's periodic work (cancel unpaid orders, auto-accept after-sales, re-queue jobs
whose worker died, every minute;
remove expired files, every ten minutes; the guarantee assessment, hourly, which does its
work once per 14-day cycle).

Dispatch is coalesced: a commit that wrote events enqueues a dispatch task only when none is
pending (:func:`request_dispatch`); the task clears the pending flag *before* it drains the
outbox, so an event committed after that enqueues the next one (trailing edge) and an event
committed before it is in the drain. Deliveries go out as one task per installation, a batch
of up to :data:`DELIVERY_BATCH` in event order.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from datetime import datetime
from typing import Any

from huey import Huey, crontab
from huey.constants import EmptyData

from core.files.backends import file_store_for
from core.jobs import schedules
from core.jobs.liveness import HEARTBEAT_EVERY_S, requeue_stale_jobs
from core.jobs.plugin_schedules import start_due_plugin_jobs
from core.jobs.runner import execute_job
from core.jobs.runtime import binding_of, runtime_of
from core.plugins import delivery, fanout, retries
from core.plugins.client_host import ClientHost
from core.settings import Settings, SettingsError

log = logging.getLogger("tanzi.worker")

#: The queue key saying a dispatch task is enqueued and has not started draining yet.
DISPATCH_PENDING = "tanzi.dispatch.pending"
#: A pending flag older than this is taken for a lost task (its worker died) and replaced.
DISPATCH_PENDING_STALE_S = 5.0
#: Deliveries per delivery task (one installation's, in event order).
DELIVERY_BATCH = 100


def enqueue_deliveries(huey: Huey, delivery_ids: list[int]) -> None:
    """Queue deliveries (one installation's, in event order) in batches of
    :data:`DELIVERY_BATCH`, e.g. after a replay put them back to pending and committed."""
    for start in range(0, len(delivery_ids), DELIVERY_BATCH):
        enqueue(huey, "deliver_batch", delivery_ids[start : start + DELIVERY_BATCH])


def register_tasks(huey: Huey) -> None:
    """Define the tasks on ``huey``; :func:`enqueue` reaches them by name."""

    def enqueue_batches(batches: dict[int, list[int]]) -> int:
        total = 0
        for ids in batches.values():
            for i in range(0, len(ids), DELIVERY_BATCH):
                deliver_batch(ids[i : i + DELIVERY_BATCH])
            total += len(ids)
        return total

    @huey.task(name="tanzi.dispatch")
    def dispatch_events() -> int:
        """Fan new outbox events out into deliveries; enqueue one batch per installation."""
        rt = runtime_of(huey)
        huey.storage.pop_data(DISPATCH_PENDING)  # before draining: see the module docstring
        total = 0
        while True:
            batches = fanout.dispatch_outbox_batches(rt.engine, rt.host, read_engine=rt.read_engine)
            if not batches:
                if total:
                    log.info("dispatched %d deliveries", total)
                return total
            total += enqueue_batches(batches)

    @huey.task(name="tanzi.deliver_batch")
    def deliver_batch(delivery_ids: list[int]) -> int:
        """Deliver one installation's events in order; schedule retries of what failed."""
        rt = runtime_of(huey)
        results = delivery.deliver_batch(
            rt.engine,
            rt.host,
            delivery_ids,
            read_engine=rt.read_engine,
            secret_key=_secret_key(rt.settings),
            client_host=ClientHost.of_runtime(rt),
        )
        retry_after: dict[float, list[int]] = defaultdict(list)
        for result in results:
            log_delivery(result)
            if result.retry_in_s is not None:
                retry_after[result.retry_in_s].append(result.delivery_id)
        for delay, ids in retry_after.items():
            deliver_batch.schedule((ids,), delay=delay)
        return len(results)

    @huey.task(name="tanzi.deliver")
    def deliver_one(delivery_id: int) -> str:
        """Deliver one event to one installation; schedule its retry if it failed."""
        rt = runtime_of(huey)
        result = delivery.deliver(
            rt.engine,
            rt.host,
            delivery_id,
            read_engine=rt.read_engine,
            secret_key=_secret_key(rt.settings),
            client_host=ClientHost.of_runtime(rt),
        )
        log_delivery(result)
        if result.retry_in_s is not None:
            deliver_one.schedule((delivery_id,), delay=result.retry_in_s)
        return result.status

    @huey.task(name="tanzi.sweep")
    def sweep(stale_after_s: float = 300.0) -> int:
        """Dispatch anything left behind and re-enqueue deliveries that are due."""
        rt = runtime_of(huey)
        dispatch_events.call_local()
        due = enqueue_batches(retries.due_delivery_batches(rt.engine, stale_after_s=stale_after_s))
        if due:
            log.info("sweep handed out %d due deliveries", due)
        return due

    @huey.periodic_task(crontab(minute="*"), name="tanzi.sweep_periodic")
    def sweep_periodic() -> None:
        sweep.call_local()

    @huey.task(name="tanzi.run_job", context=False)
    def run_job(job_id: int) -> str:
        """Run (or resume) a job record's work."""
        import core.jobs.plugin_jobs
        import core.plugins.actions  # noqa: F401  (registers the merchant_action job kind)

        rt = runtime_of(huey)
        log.info("job %d started", job_id)
        every_s = min(HEARTBEAT_EVERY_S, rt.settings.job_stale_after_s / 4)
        status = execute_job(rt.engine, job_id, runtime=rt, heartbeat_every_s=every_s)
        log.info("job %d %s", job_id, status)
        return status

    @huey.task(name="tanzi.requeue_stale_jobs")
    def requeue_stale(now: datetime | None = None) -> int:
        """Re-queue running jobs whose heartbeat stopped (their worker died); they resume
        from their checkpoint (``now`` moves the clock)."""
        rt = runtime_of(huey)
        ids = requeue_stale_jobs(rt.engine, stale_after_s=rt.settings.job_stale_after_s, now=now)
        for job_id in ids:
            run_job(job_id)
        return len(ids)

    @huey.periodic_task(crontab(minute="*"), name="tanzi.requeue_stale_jobs_periodic")
    def requeue_stale_periodic() -> None:
        requeue_stale.call_local()

    @huey.task(name="tanzi.cancel_unpaid_orders")
    def cancel_unpaid_orders(now: datetime | None = None) -> int:
        """Cancel orders past their shop's payment timeout (``now`` moves the clock)."""
        rt = runtime_of(huey)
        done = schedules.cancel_unpaid_orders(rt.engine, now=now)
        if done:
            request_dispatch(huey)
        return done

    @huey.task(name="tanzi.auto_accept_aftersales")
    def auto_accept_aftersales(now: datetime | None = None) -> int:
        """Accept after-sales requests past ``respond_by`` (``now`` moves the clock)."""
        rt = runtime_of(huey)
        done = schedules.auto_accept_aftersales(rt.engine, now=now)
        if done:
            request_dispatch(huey)
        return done

    @huey.task(name="tanzi.purge_expired_files")
    def purge_expired_files(now: datetime | None = None) -> int:
        """Remove files past their retention that nothing uses (``now`` moves the clock)."""
        rt = runtime_of(huey)
        return schedules.purge_expired_files(rt.engine, file_store_for(rt.settings), now=now)

    @huey.periodic_task(crontab(minute="*/10"), name="tanzi.purge_expired_files_periodic")
    def purge_expired_files_periodic() -> None:
        purge_expired_files.call_local()

    @huey.periodic_task(crontab(minute="*"), name="tanzi.cancel_unpaid_orders_periodic")
    def cancel_unpaid_orders_periodic() -> None:
        cancel_unpaid_orders.call_local()

    @huey.periodic_task(crontab(minute="*"), name="tanzi.auto_accept_aftersales_periodic")
    def auto_accept_aftersales_periodic() -> None:
        auto_accept_aftersales.call_local()

    @huey.task(name="tanzi.start_plugin_schedules")
    def start_plugin_schedules(now: datetime | None = None) -> int:
        """Start the plugins' scheduled jobs that are due (``now`` moves the clock)."""
        rt = runtime_of(huey)
        started = start_due_plugin_jobs(rt.engine, rt.host, now=now)
        for job_id in started:
            run_job(job_id)
        return len(started)

    @huey.periodic_task(crontab(minute="*"), name="tanzi.start_plugin_schedules_periodic")
    def start_plugin_schedules_periodic() -> None:
        start_plugin_schedules.call_local()

    @huey.task(name="tanzi.assess_guarantee")
    def assess_guarantee(now: datetime | None = None) -> int:
        """Assess shops for the transaction guarantee (``now`` moves the clock)."""
        rt = runtime_of(huey)
        return schedules.assess_guarantee(rt.engine, now=now)

    @huey.periodic_task(crontab(minute="7"), name="tanzi.assess_guarantee_periodic")
    def assess_guarantee_periodic() -> None:
        assess_guarantee.call_local()

    tasks: dict[str, Any] = {
        "dispatch": dispatch_events,
        "deliver": deliver_one,
        "deliver_batch": deliver_batch,
        "sweep": sweep,
        "run_job": run_job,
        "requeue_stale_jobs": requeue_stale,
        "cancel_unpaid_orders": cancel_unpaid_orders,
        "auto_accept_aftersales": auto_accept_aftersales,
        "purge_expired_files": purge_expired_files,
        "start_plugin_schedules": start_plugin_schedules,
        "assess_guarantee": assess_guarantee,
    }
    binding_of(huey).tasks.update(tasks)


def log_delivery(result: delivery.DeliveryResult) -> None:
    """One line per delivery attempt: delivered, retried (when), dead, held or deferred."""
    if result.status == "delivered":
        log.info("delivery %d delivered", result.delivery_id)
    elif result.retry_in_s is not None:
        log.info(
            "delivery %d failed, retry in %gs: %s",
            result.delivery_id,
            result.retry_in_s,
            result.error,
        )
    elif result.status == "dead":
        log.warning("delivery %d dead letter: %s", result.delivery_id, result.error)
    elif result.status != "skipped":
        log.info("delivery %d %s %s", result.delivery_id, result.status, result.error)


def _secret_key(settings: Settings) -> str:
    """The key remote apps' webhook secrets are decrypted with; ``""`` when there is none
    (remote deliveries then fail with a clear error, plugin deliveries are unaffected)."""
    try:
        return settings.ensure_secret_key()
    except SettingsError:
        return ""


def enqueue(huey: Huey, name: str, *args: Any) -> Any:
    """Enqueue task ``name`` with ``args`` on ``huey``."""
    return binding_of(huey).tasks[name](*args)


def request_dispatch(huey: Huey) -> bool:
    """Enqueue a dispatch unless one is already pending; True when it enqueued one.

    Call after a commit that wrote outbox events. In a burst of commits this is one read of
    the queue's key-value store per commit instead of one task each.
    """
    storage = huey.storage
    now = time.time()
    stamp = storage.peek_data(DISPATCH_PENDING)
    if stamp is EmptyData:
        if not storage.put_if_empty(DISPATCH_PENDING, str(now).encode()):
            return False  # another commit just enqueued one
    else:
        try:
            age = now - float(bytes(stamp).decode())
        except (TypeError, ValueError):
            age = DISPATCH_PENDING_STALE_S
        if age < DISPATCH_PENDING_STALE_S:
            return False
        storage.put_data(DISPATCH_PENDING, str(now).encode())  # its task was lost: replace it
    enqueue(huey, "dispatch")
    return True
