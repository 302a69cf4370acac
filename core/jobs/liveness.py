"""Job liveness: a running job's heartbeat, and the sweep that re-queues a dead worker's job.

While a job runs, its record's ``heartbeat_at`` is touched with every checkpoint commit and
by a :class:`Heartbeat` thread between them. A worker killed mid-job (SIGKILL, out of
memory, machine gone) stops touching it; :func:`requeue_stale_jobs` puts such a job back to
``queued`` in one conditional UPDATE, so of two sweepers at once only one re-queues it, and
the caller enqueues ``run_job`` for what it got back: the job resumes from its checkpoint.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from types import TracebackType
from typing import cast

from sqlalchemy import and_, or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import col

from core.models import Job, JobStatus
from core.models.base import utcnow

log = logging.getLogger("tanzi.worker")

#: How often a running job's heartbeat is touched between its checkpoints, by default.
HEARTBEAT_EVERY_S = 30.0


def touch_heartbeat(engine: Engine, job_id: int) -> None:
    """Record that job ``job_id`` is alive now."""
    with engine.begin() as conn:
        conn.execute(update(Job).where(col(Job.id) == job_id).values(heartbeat_at=utcnow()))


class Heartbeat:
    """A thread touching a job's heartbeat every ``every_s`` seconds while the block runs."""

    def __init__(self, engine: Engine, job_id: int, every_s: float = HEARTBEAT_EVERY_S) -> None:
        self.engine = engine
        self.job_id = job_id
        self.every_s = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"job-{job_id}-heartbeat")
        self._thread.daemon = True

    def _beat(self) -> None:
        while not self._stop.wait(self.every_s):
            try:
                touch_heartbeat(self.engine, self.job_id)
            except OperationalError as exc:  # a busy database: the next beat tries again
                log.warning("job %d heartbeat not recorded: %s", self.job_id, exc)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()


def requeue_stale_jobs(
    engine: Engine, *, stale_after_s: float, now: datetime | None = None
) -> list[int]:
    """Put running jobs whose heartbeat is older than ``stale_after_s`` back to ``queued``;
    returns their ids (the caller enqueues ``run_job`` for each). A record written before
    heartbeats existed counts from its ``started_at``."""
    at = now or utcnow()
    cutoff = at - timedelta(seconds=stale_after_s)
    stale = or_(
        col(Job.heartbeat_at) < cutoff,
        and_(col(Job.heartbeat_at).is_(None), col(Job.started_at) < cutoff),
    )
    statement = (
        update(Job)
        .where(col(Job.status) == JobStatus.running, stale)
        .values(status=JobStatus.queued, heartbeat_at=at)
        .returning(col(Job.id))
    )
    with engine.begin() as conn:
        ids = sorted(cast("list[int]", conn.execute(statement).scalars().all()))  # ids of rows
    if ids:
        log.warning("re-queued %d jobs whose worker stopped: %s", len(ids), ids)
    return ids
