"""Huey tasks: dispatch outbox events, deliver each delivery, sweep what was missed, run jobs."""

from __future__ import annotations

from typing import Any

from huey import Huey, crontab

from core.plugins import dispatch


def register_tasks(huey: Huey) -> None:
    """Define the tasks on ``huey``; they are reachable as ``huey.tanzi_tasks[name]``."""
    from core.jobs.queue import runtime_of

    @huey.task(name="tanzi.dispatch")
    def dispatch_events() -> int:
        """Fan new outbox events out into deliveries and enqueue each."""
        rt = runtime_of(huey)
        total = 0
        while True:
            ids = dispatch.dispatch_outbox(rt.engine, rt.host, read_engine=rt.read_engine)
            for delivery_id in ids:
                deliver_one(delivery_id)
            total += len(ids)
            if not ids:
                return total

    @huey.task(name="tanzi.deliver")
    def deliver_one(delivery_id: int) -> str:
        """Deliver one event to one installation; schedule its retry if it failed."""
        rt = runtime_of(huey)
        result = dispatch.deliver(rt.engine, rt.host, delivery_id, read_engine=rt.read_engine)
        if result.retry_in_s is not None:
            deliver_one.schedule((delivery_id,), delay=result.retry_in_s)
        return result.status

    @huey.task(name="tanzi.sweep")
    def sweep(stale_after_s: float = 300.0) -> int:
        """Dispatch anything left behind and re-enqueue deliveries that are due."""
        rt = runtime_of(huey)
        dispatch_events.call_local()
        ids = dispatch.due_deliveries(rt.engine, stale_after_s=stale_after_s)
        for delivery_id in ids:
            deliver_one(delivery_id)
        return len(ids)

    @huey.periodic_task(crontab(minute="*"), name="tanzi.sweep_periodic")
    def sweep_periodic() -> None:
        sweep.call_local()

    @huey.task(name="tanzi.run_job", context=False)
    def run_job(job_id: int) -> str:
        """Run (or resume) a job record's work."""
        from core.jobs.records import execute_job

        rt = runtime_of(huey)
        return execute_job(rt.engine, job_id)

    tasks: dict[str, Any] = {
        "dispatch": dispatch_events,
        "deliver": deliver_one,
        "sweep": sweep,
        "run_job": run_job,
    }
    huey.tanzi_tasks = tasks  # type: ignore[attr-defined]


def enqueue(huey: Huey, name: str, *args: Any) -> Any:
    """Enqueue task ``name`` with ``args`` on ``huey``."""
    return huey.tanzi_tasks[name](*args)  # type: ignore[attr-defined]
