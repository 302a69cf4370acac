"""Plugins' scheduled jobs: the job kinds a plugin registers with ``every_minutes`` are
started by the host for each enabled installation when the last one is that old.

A run is due when the installation has no job of that kind created in the last
``every_minutes``, less :data:`TICK_SLACK_S` (a queued or running one counts too): the
periodic tick that checks lands a little early or late, and without the slack a tick a
hair early would find last minute's run still "recent" and skip every other minute. Two workers may both find it due;
a scheduled kind's run is idempotent by contract (``sdk.jobs.JobKind.every_minutes``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from core.db import session_scope
from core.jobs.plugin_jobs import PLUGIN_JOB, start_plugin_job
from core.models import Installation, InstallationStatus, Job
from core.models.base import utcnow
from core.plugins.manager import InstallationRef, PluginHost
from sdk.jobs import JobKind

#: How early a tick may land and still start the next run of a schedule.
TICK_SLACK_S = 5.0


def scheduled_kinds(plugins: PluginHost) -> dict[str, list[JobKind]]:
    """Each active plugin's job kinds that run on a schedule."""
    found: dict[str, list[JobKind]] = {}
    for plugin_id in sorted(plugins.active):
        if not plugins.implements(plugin_id, "register_job_kinds"):
            continue
        try:
            groups = plugins.plugin_caller(plugin_id, "register_job_kinds")()
        except Exception:
            continue
        kinds = [
            kind
            for group in groups or []
            for kind in group or []
            if isinstance(kind, JobKind) and kind.every_minutes
        ]
        if kinds:
            found[plugin_id] = kinds
    return found


def _recent(session: Session, installation_id: int, code: str, since: datetime) -> bool:
    jobs = session.exec(
        select(Job).where(Job.kind == PLUGIN_JOB, col(Job.created_at) >= since)
    ).all()
    return any(
        j.params.get("installation_id") == installation_id and j.params.get("code") == code
        for j in jobs
    )


def start_due_plugin_jobs(
    engine: Engine, plugins: PluginHost, *, now: datetime | None = None
) -> list[int]:
    """Create the scheduled plugin jobs that are due; their ids, to enqueue."""
    at = now or utcnow()
    started: list[int] = []
    for plugin_id, kinds in scheduled_kinds(plugins).items():
        with session_scope(engine) as session:
            installations = session.exec(
                select(Installation).where(
                    Installation.plugin_id == plugin_id,
                    Installation.status == InstallationStatus.enabled,
                    Installation.kind == "plugin",
                )
            ).all()
            for row in installations:
                for kind in kinds:
                    every = timedelta(minutes=kind.every_minutes or 0)
                    since = at - every + timedelta(seconds=TICK_SLACK_S)
                    if _recent(session, row.id or 0, kind.code, since):
                        continue
                    job = start_plugin_job(
                        session, installation=InstallationRef.of(row), code=kind.code, params={}
                    )
                    job.created_at = at
                    session.add(job)
                    session.flush()
                    started.append(job.id or 0)
    return started
