"""Resumable jobs for plugins: the chunked :class:`sdk.jobs.JobContext` the host hands in,
and the ``plugin_job`` kind that runs a kind a plugin registers (``register_job_kinds``).

A chunk is one database transaction: the writes made through ``chunk.client`` (the
installation's client bound to the chunk's session), the job's new position, its counts
and the refused rows commit together, so a worker killed mid-chunk leaves nothing of that
chunk and the restarted job resumes after the last committed one. The job's row is locked
while a chunk commits; cancellation is checked after each commit. When the job ends, the
refused rows become a CSV report (:mod:`core.jobs.job_reports`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.errors import NotFound
from core.jobs.job_reports import problem_text, write_report
from core.jobs.runner import JobContext as RunnerContext
from core.jobs.runner import create_job, job_kind
from core.models import Installation, Job
from core.models.base import utcnow
from core.plugins.client import ScopedClient
from core.plugins.client_host import ClientHost
from core.plugins.manager import InstallationRef, PluginHost
from sdk.batch import BatchResult
from sdk.errors import ResourceNotFound
from sdk.jobs import JobCancelled, JobInfo, JobKind, RefusedRow
from sdk.models import Problem

PLUGIN_JOB = "plugin_job"
#: The most refused rows a job keeps (the report says when more were cut).
MAX_REFUSED = 100_000


def find_kind(plugins: PluginHost, plugin_id: str, code: str) -> JobKind:
    """The plugin's registered job kind ``code`` (``ResourceNotFound`` when none)."""
    if plugins.implements(plugin_id, "register_job_kinds"):
        try:
            groups = plugins.plugin_caller(plugin_id, "register_job_kinds")()
        except Exception:
            groups = []
        for group in groups or []:
            for kind in group or []:
                if isinstance(kind, JobKind) and kind.code == code:
                    return kind
    raise ResourceNotFound(f"'{plugin_id}' has no job kind '{code}'.")


def start_plugin_job(
    session: Session,
    *,
    installation: InstallationRef,
    code: str,
    params: dict[str, Any],
    kind: str = PLUGIN_JOB,
    language: str = "zh-CN",
    shown: Mapping[str, Any] | None = None,
) -> Job:
    """A queued job of ``installation``'s plugin (not committed; enqueue after commit).
    ``shown`` is what the console's job page shows of a job a merchant action started
    (its ``label``, list ``area`` and ``action`` key)."""
    return create_job(
        session,
        kind=kind,
        shop_id=installation.shop_id,
        params={
            **(shown or {}),
            "installation_id": installation.id,
            "plugin_id": installation.plugin_id,
            "code": code,
            "params": params,
            "language": language,
        },
    )


def enqueue_job(host: ClientHost, job_id: int) -> None:
    """Put ``job_id`` on the queue (after its record committed)."""
    if host.huey is not None:
        from core.jobs.tasks import enqueue

        enqueue(host.huey, "run_job", job_id)


def job_info(job: Job) -> JobInfo:
    """The SDK view of a job record."""
    return JobInfo(
        id=job.id or 0,
        kind=str(job.params.get("code") or job.kind),
        status=job.status.value,
        progress=job.progress,
        total=job.total,
        counts=dict(job.counts),
        message=job.message,
        report_file_id=job.checkpoint.get("report_file_id"),
        result_file_id=job.checkpoint.get("result_file_id"),
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


class HostChunk:
    """One chunk's writes (through ``client``), counts and refused rows."""

    def __init__(self, client: ScopedClient, language: str) -> None:
        self._client = client
        self.language = language
        self.counts: dict[str, int] = {}
        self.refused: list[RefusedRow] = []

    @property
    def client(self) -> ScopedClient:
        """The installation's client bound to the chunk's transaction."""
        return self._client

    def count(self, status: str, n: int = 1) -> None:
        self.counts[status] = self.counts.get(status, 0) + n

    def refuse(self, row: int, *, column: str = "", value: str = "", reason: str) -> None:
        self.refused.append(RefusedRow(row=row, column=column, value=value[:500], reason=reason))
        self.count("failed")

    def count_results(self, result: BatchResult, rows: list[int]) -> None:
        for item in result.items:
            if item.status != "failed":
                self.count(item.status)
                continue
            for problem in item.problems or [Problem(field="", message="failed")]:
                self.refused.append(
                    RefusedRow(
                        row=rows[item.index],
                        column=problem.field,
                        reason=problem_text(problem, self.language),
                    )
                )
            self.count("failed")


class HostJobContext:
    """The host's :class:`sdk.jobs.JobContext`: chunks commit with the checkpoint."""

    def __init__(
        self,
        engine: Engine,
        job: Job,
        client: ScopedClient,
        *,
        settings: Mapping[str, Any],
        params: Mapping[str, Any],
    ) -> None:
        assert job.id is not None and job.shop_id is not None
        self.engine = engine
        self.job_id = job.id
        self.shop_id = job.shop_id
        self.params = params
        self.settings = settings
        self.language = str(job.params.get("language") or "zh-CN")
        self.position = int(job.checkpoint.get("position", 0))
        self._client = client

    @property
    def client(self) -> ScopedClient:
        return self._client

    def _update(self, **values: Any) -> Job:
        with Session(self.engine, expire_on_commit=False) as session:
            job = session.get(Job, self.job_id)
            assert job is not None
            for name, value in values.items():
                setattr(job, name, value)
            session.add(job)
            session.commit()
            return job

    def set_total(self, total: int | None) -> None:
        self._update(total=total)

    def set_result(self, file_id: int, message: str = "") -> None:
        with Session(self.engine, expire_on_commit=False) as session:
            job = session.get(Job, self.job_id)
            assert job is not None
            job.checkpoint = {**job.checkpoint, "result_file_id": file_id}
            job.message = message[:2000]
            session.add(job)
            session.commit()

    @contextmanager
    def chunk(self, position: int) -> Iterator[HostChunk]:
        with Session(self.engine, expire_on_commit=False) as session:
            chunk = HostChunk(self._client.bound(session), self.language)
            try:
                yield chunk
                job = session.exec(select(Job).where(Job.id == self.job_id).with_for_update()).one()
                counts = dict(job.counts)
                for name, n in chunk.counts.items():
                    counts[name] = counts.get(name, 0) + n
                job.counts = counts
                job.checkpoint = {**job.checkpoint, "position": position}
                job.progress = position
                job.heartbeat_at = utcnow()
                if chunk.refused and len(job.errors) < MAX_REFUSED:
                    job.errors = [*job.errors, *(r.model_dump() for r in chunk.refused)]
                cancel = job.cancel_requested
                session.add(job)
                session.commit()
            except BaseException:
                session.rollback()
                raise
        self.position = position
        if cancel:
            raise JobCancelled


def installation_client(
    engine: Engine, installation_id: int, runtime: Any
) -> tuple[ScopedClient, InstallationRef]:
    """The scoped client of an installation, for a job run in the worker."""
    with Session(engine) as session:
        row = session.get(Installation, installation_id)
        if row is None:
            raise NotFound(f"Installation {installation_id} was not found.")
        inst = InstallationRef.of(row)
    read_engine = getattr(runtime, "read_engine", None)
    client = ScopedClient(
        engine, inst, read_engine=read_engine, host=ClientHost.of_runtime(runtime)
    )
    return client, inst


def host_context(ctx: RunnerContext, client: ScopedClient, inst: InstallationRef) -> HostJobContext:
    """The SDK job context over the runner's job record."""
    with Session(ctx.engine, expire_on_commit=False) as session:
        job = session.get(Job, ctx.job_id)
        assert job is not None
    plugin = getattr(getattr(ctx.runtime, "host", None), "plugins", {}).get(inst.plugin_id)
    manifest = getattr(plugin, "manifest", None)
    settings = manifest.parse_settings(inst.settings) if manifest else dict(inst.settings)
    return HostJobContext(
        ctx.engine,
        job,
        client,
        settings=settings,
        params=dict(job.params.get("params", {})),
    )


@job_kind(PLUGIN_JOB)
def run_plugin_job(ctx: RunnerContext) -> None:
    """Run a plugin's registered job kind with the chunked context; then write the report."""
    assert ctx.job_id is not None
    client, inst = installation_client(ctx.engine, int(ctx.params["installation_id"]), ctx.runtime)
    kind = find_kind(ctx.runtime.host, inst.plugin_id, str(ctx.params["code"]))
    job_ctx = host_context(ctx, client, inst)
    try:
        kind.run(job_ctx)
    except Exception:  # a failed or cancelled job still reports its refused rows
        write_report(ctx.engine, client, ctx.job_id, language=job_ctx.language)
        raise
    write_report(ctx.engine, client, ctx.job_id, language=job_ctx.language)
