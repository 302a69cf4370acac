"""Running jobs (long work): status, progress, counts, per-row errors, result file, cancel.

A job kind is a function taking a :class:`JobContext`. It walks its items through
:meth:`JobContext.steps`, which skips what a previous run already checkpointed, and records
each step with :meth:`JobContext.advance` in one short transaction (progress, counts,
errors and the checkpoint together), so a killed worker resumes without duplicates. Every
such commit, and a :class:`~core.jobs.liveness.Heartbeat` between them, touches the record's
``heartbeat_at``: a job whose heartbeat stops is re-queued by the sweep in
:mod:`core.jobs.liveness`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.errors import InvalidState, NotFound
from core.jobs.liveness import HEARTBEAT_EVERY_S, Heartbeat
from core.models import Job, JobStatus
from core.models.base import utcnow
from sdk.jobs import JobCancelled

JobFunction = Callable[["JobContext"], None]

__all__ = ["JOB_KINDS", "JobCancelled", "JobContext", "create_job", "execute_job", "job_kind"]

#: Job kinds by name; the plugin host and kernel services register theirs at import.
JOB_KINDS: dict[str, JobFunction] = {}


def job_kind(name: str) -> Callable[[JobFunction], JobFunction]:
    """Register a job function under ``name``."""

    def decorate(fn: JobFunction) -> JobFunction:
        JOB_KINDS[name] = fn
        return fn

    return decorate


def create_job(
    session: Session,
    *,
    kind: str,
    shop_id: int | None = None,
    params: dict[str, Any] | None = None,
    total: int | None = None,
) -> Job:
    """A queued job record (not committed; enqueue ``run_job`` after the commit)."""
    if kind not in JOB_KINDS:
        raise NotFound(f"Unknown job kind '{kind}'.")
    job = Job(kind=kind, shop_id=shop_id, params=params or {}, total=total)
    session.add(job)
    session.flush()
    return job


def request_cancel(session: Session, *, job_id: int) -> Job:
    """Ask a job to stop at its next step (a queued job is cancelled at once)."""
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"Job {job_id} was not found.")
    if job.status in (JobStatus.succeeded, JobStatus.failed, JobStatus.cancelled):
        raise InvalidState(f"The job has already {job.status.value}.")
    job.cancel_requested = True
    if job.status == JobStatus.queued:
        job.status = JobStatus.cancelled
        job.finished_at = utcnow()
    session.add(job)
    return job


class JobContext:
    """A running job's handle on its own record."""

    def __init__(self, engine: Engine, job: Job, runtime: Any = None) -> None:
        self.engine = engine
        #: the worker's runtime (plugin host, queue), for job kinds that call plugins
        self.runtime = runtime
        self.job_id = job.id
        self.kind = job.kind
        self.shop_id = job.shop_id
        self.params = dict(job.params)
        self.checkpoint = dict(job.checkpoint)

    def _update(self, fn: Callable[[Job], None]) -> Job:
        with Session(self.engine, expire_on_commit=False) as session:
            job = session.get(Job, self.job_id)
            assert job is not None
            fn(job)
            job.heartbeat_at = utcnow()
            session.add(job)
            session.commit()
            return job

    def set_total(self, total: int) -> None:
        self._update(lambda job: setattr(job, "total", total))

    def steps(self, items: Iterable[tuple[str, Any]]) -> Iterator[tuple[str, Any]]:
        """Items whose keys come after the checkpoint; raises :class:`JobCancelled` on ask."""
        done = set(self.checkpoint.get("done", []))
        for key, item in items:
            if key in done:
                continue
            yield key, item

    def advance(
        self,
        key: str,
        *,
        counts: dict[str, int] | None = None,
        errors: list[dict] | None = None,
        result: Any = None,
    ) -> None:
        """Record step ``key`` as done, with its counts, per-row errors and (when given) the
        row's result (kept under ``checkpoint["results"][key]``), in one commit."""
        cancel = False

        def apply(job: Job) -> None:
            nonlocal cancel
            done = [*job.checkpoint.get("done", []), key]
            job.checkpoint = {**job.checkpoint, "done": done}
            if result is not None:
                results = {**job.checkpoint.get("results", {}), key: result}
                job.checkpoint = {**job.checkpoint, "results": results}
            job.progress = len(done)
            merged = dict(job.counts)
            for name, n in (counts or {}).items():
                merged[name] = merged.get(name, 0) + n
            job.counts = merged
            if errors:
                job.errors = [*job.errors, *errors]
            cancel = job.cancel_requested

        self._update(apply)
        self.checkpoint.setdefault("done", []).append(key)
        if cancel:
            raise JobCancelled

    def set_progress(self, progress: int) -> None:
        """Record how many of the job's items are done (for work not done step by step)."""
        self._update(lambda job: setattr(job, "progress", progress))

    def set_result(self, path: str, message: str = "") -> None:
        def apply(job: Job) -> None:
            job.result_path = path
            job.message = message

        self._update(apply)


def execute_job(
    engine: Engine,
    job_id: int,
    *,
    runtime: Any = None,
    heartbeat_every_s: float = HEARTBEAT_EVERY_S,
) -> str:
    """Run a job to its end, touching its heartbeat every ``heartbeat_every_s`` seconds; a
    job already finished is left alone. Returns the status."""
    with Session(engine, expire_on_commit=False) as session:
        job = session.get(Job, job_id)
        if job is None:
            return "missing"
        if job.status in (JobStatus.succeeded, JobStatus.failed, JobStatus.cancelled):
            return job.status.value
        job.status = JobStatus.running
        job.started_at = job.started_at or utcnow()
        job.heartbeat_at = utcnow()
        session.add(job)
        session.commit()
    ctx = JobContext(engine, job, runtime)
    status, message = JobStatus.succeeded, ""
    try:
        with Heartbeat(engine, job_id, heartbeat_every_s):
            JOB_KINDS[job.kind](ctx)
    except JobCancelled:
        status = JobStatus.cancelled
    except Exception as exc:
        status, message = JobStatus.failed, f"{type(exc).__name__}: {exc}"

    def finish(row: Job) -> None:
        row.status = status
        row.finished_at = utcnow()
        if message:
            row.message = message[:2000]

    ctx._update(finish)
    return status.value
