"""Jobs on Huey: the queue factory, tasks, job records and the consumers."""

from __future__ import annotations

from core.jobs.queue import build_runtime, create_huey
from core.jobs.runner import JobContext, create_job, execute_job, job_kind, request_cancel
from core.jobs.runtime import Runtime, runtime_of
from core.jobs.tasks import enqueue
from core.jobs.worker import run_worker, start_embedded_worker

__all__ = [
    "JobContext",
    "Runtime",
    "build_runtime",
    "create_huey",
    "create_job",
    "enqueue",
    "execute_job",
    "job_kind",
    "request_cancel",
    "run_worker",
    "runtime_of",
    "start_embedded_worker",
]
