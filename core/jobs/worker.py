"""Queue consumers: embedded in ``tanzi serve``, or a process of its own (``tanzi worker``)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from huey.consumer import Consumer

from core.jobs.queue import build_runtime, create_huey
from core.jobs.tasks import enqueue
from core.settings import Settings

#: The longest an idle consumer waits before it looks at the queue again (Huey's own
#: default backs off to 10 s, which would hold an event's delivery that long after a quiet
#: spell); it starts at :data:`MIN_POLL_S` after each task. A look is one small query.
MAX_POLL_S = 0.25
MIN_POLL_S = 0.01


class EmbeddedConsumer(Consumer):
    """A consumer that leaves signal handling to the web server it runs inside."""

    def _set_signal_handlers(self) -> None:
        pass


def start_embedded_worker(settings: Settings, *, workers: int = 0) -> Callable[[], None]:
    """Start a thread consumer in this process (``workers`` threads, else the setting
    ``embedded_worker_threads``); returns the function that stops it."""
    huey = create_huey(settings)
    runtime = build_runtime(settings, huey=huey)
    consumer = EmbeddedConsumer(
        huey,
        workers=workers or settings.embedded_worker_threads,
        worker_type="thread",
        periodic=True,
        initial_delay=MIN_POLL_S,
        max_delay=MAX_POLL_S,
    )
    consumer.start()
    enqueue(huey, "sweep", 0.0)
    enqueue(huey, "requeue_stale_jobs")

    def stop() -> None:
        consumer.stop(graceful=True)
        # the runtime's engines are this worker's own: close their pooled connections now
        # (a host that starts and stops workers, as the tests do, would otherwise keep
        # each one's connections until the engine is collected)
        runtime.read_engine.dispose()
        runtime.engine.dispose()

    return stop


def run_worker(settings: Settings, *, workers: int = 4, worker_type: str = "thread") -> None:
    """Run a consumer in the foreground until interrupted (``tanzi worker``).

    On start it sweeps: deliveries a killed worker was running are handed out again, and jobs
    whose heartbeat stopped are re-queued to resume from their checkpoint. It
    logs what it does (deliveries, retries, dead letters, jobs) at INFO, one line each, on
    stderr; Huey's own per-task lines are left at WARNING.
    """
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("huey").setLevel(logging.WARNING)
    huey = create_huey(settings)
    build_runtime(settings, huey=huey)
    enqueue(huey, "sweep", 0.0)
    enqueue(huey, "requeue_stale_jobs")
    consumer = huey.create_consumer(
        workers=workers,
        worker_type=worker_type,
        periodic=True,
        initial_delay=MIN_POLL_S,
        max_delay=MAX_POLL_S,
    )
    consumer.run()
