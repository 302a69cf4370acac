"""A killed worker's job resumes by itself: a running job touches its heartbeat (with each
checkpoint and between them), the sweep re-queues a job whose heartbeat stopped and it
finishes from its checkpoint with exact counts; a live job is left alone; two sweeps at once
re-queue a job once. Runs on SQLite and, with ``TANZI_TEST_DATABASE_URL``, on PostgreSQL.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from huey import Huey
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

import core.models as m
from core.jobs.liveness import requeue_stale_jobs
from core.jobs.queue import build_runtime, create_huey
from core.jobs.runner import JobContext, execute_job, job_kind
from core.jobs.runtime import binding_of
from core.models.base import utcnow
from core.settings import Settings
from tests.core.test_schedules import _at_once

KEYS = [f"row-{i}" for i in range(10)]
#: the keys the ``sweep_rows`` job worked on in this process, in order (repeats included)
WORKED: list[str] = []
#: heartbeats the ``sweep_beats`` job read from its own record while it ran
BEATS: list[datetime | None] = []


@job_kind("sweep_rows")
def _sweep_rows(ctx: JobContext) -> None:
    for key, _ in ctx.steps((key, None) for key in KEYS):
        WORKED.append(key)
        ctx.advance(key, counts={"made": 1})


@job_kind("sweep_beats")
def _sweep_beats(ctx: JobContext) -> None:
    for _ in range(3):
        with Session(ctx.engine) as session:
            job = session.get(m.Job, ctx.job_id)
            assert job is not None
            BEATS.append(job.heartbeat_at)
        time.sleep(0.3)


@pytest.fixture
def huey(settings: Settings, engine: Engine) -> Huey:
    """A queue that runs what is enqueued at once, in this thread."""
    queue = create_huey(settings, immediate=True)
    build_runtime(settings, engine=engine, huey=queue)
    return queue


def _running(engine: Engine, *, beat_age_s: float, done: int = 0) -> int:
    """A job record as a worker leaves it: running, ``done`` rows checkpointed, heartbeat
    ``beat_age_s`` seconds old."""
    now = utcnow()
    job = m.Job(
        kind="sweep_rows",
        status=m.JobStatus.running,
        total=len(KEYS),
        progress=done,
        counts={"made": done} if done else {},
        checkpoint={"done": KEYS[:done]},
        started_at=now - timedelta(hours=1),
        heartbeat_at=now - timedelta(seconds=beat_age_s),
    )
    with Session(engine, expire_on_commit=False) as session:
        session.add(job)
        session.commit()
    assert job.id is not None
    return job.id


def _job(engine: Engine, job_id: int) -> m.Job:
    with Session(engine) as session:
        job = session.get(m.Job, job_id)
        assert job is not None
        return job


def test_a_killed_workers_job_is_requeued_and_finishes_from_its_checkpoint(
    engine: Engine, huey: Huey
) -> None:
    WORKED.clear()
    job_id = _running(engine, beat_age_s=600, done=4)

    assert binding_of(huey).tasks["requeue_stale_jobs"].call_local() == 1

    job = _job(engine, job_id)
    assert job.status == m.JobStatus.succeeded, job.message
    assert KEYS[4:] == WORKED  # the checkpointed rows were not done again
    assert job.counts == {"made": 10}
    assert job.progress == 10
    assert job.checkpoint["done"] == KEYS
    assert binding_of(huey).tasks["requeue_stale_jobs"].call_local() == 0  # finished: left


def test_a_live_job_is_left_alone_until_its_heartbeat_is_stale(engine: Engine, huey: Huey) -> None:
    live = _running(engine, beat_age_s=10, done=2)
    never_beat = _running(engine, beat_age_s=10)
    with engine.begin() as conn:  # a record from before heartbeats: its start counts
        conn.execute(update(m.Job).where(col(m.Job.id) == never_beat).values(heartbeat_at=None))

    assert requeue_stale_jobs(engine, stale_after_s=300) == [never_beat]
    assert _job(engine, live).status == m.JobStatus.running
    assert _job(engine, live).checkpoint == {"done": KEYS[:2]}
    later = utcnow() + timedelta(seconds=300)
    assert requeue_stale_jobs(engine, stale_after_s=300, now=later) == [live]
    assert _job(engine, live).status == m.JobStatus.queued


def test_two_sweeps_at_once_requeue_each_job_once(engine: Engine) -> None:
    stale = [_running(engine, beat_age_s=600, done=i) for i in range(6)]
    _running(engine, beat_age_s=1)

    requeued: list[int] = []

    def sweep() -> int:
        ids = requeue_stale_jobs(engine, stale_after_s=300)
        requeued.extend(ids)
        return len(ids)

    assert sum(_at_once(sweep)) == len(stale)
    assert sorted(requeued) == stale


def test_a_running_job_touches_its_heartbeat_between_checkpoints(engine: Engine) -> None:
    BEATS.clear()
    with Session(engine, expire_on_commit=False) as session:
        job = m.Job(kind="sweep_beats")
        session.add(job)
        session.commit()
    assert job.id is not None

    assert execute_job(engine, job.id, heartbeat_every_s=0.05) == "succeeded"

    assert len(BEATS) == 3 and all(beat is not None for beat in BEATS)
    assert BEATS[0] < BEATS[1] < BEATS[2]  # type: ignore[operator]


def test_the_periodic_requeue_is_registered(huey: Huey) -> None:
    due = {task.name for task in huey.read_periodic(datetime(2026, 1, 1, 10, 3))}
    assert "tanzi.requeue_stale_jobs_periodic" in due
