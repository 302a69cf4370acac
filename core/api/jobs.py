"""REST routes: jobs of the kinds a shop's in-process services register
(``register_job_kinds``), what ``client.jobs`` calls over HTTP and the console starts.

``POST /shops/{id}/jobs`` queues a job of an enabled plugin's kind: an installation's token
names its own plugin; a member names ``plugin_id``. The caller needs the kind's scope and
the installation must have been granted it. ``GET /shops/{id}/jobs/{job_id}`` reads one
(an installation sees only the jobs of its own installation).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, status
from pydantic import BaseModel, Field
from sqlmodel import Session

from core.api.deps import Access, ReadSessionDep, SessionDep
from core.auth import ShopAccess
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.jobs.plugin_jobs import PLUGIN_JOB, find_kind, job_info, start_plugin_job
from core.jobs.tasks import enqueue
from core.models import Job
from core.plugins.manager import InstallationRef, PluginHost
from sdk.errors import ResourceNotFound
from sdk.jobs import JobInfo, job_language
from sdk.scopes import Scope

router = APIRouter(tags=["jobs"])


class JobStart(BaseModel):
    """A job kind (``code``) of a plugin, with its JSON ``params``."""

    code: str = Field(min_length=1, max_length=60)
    params: dict[str, Any] = Field(default_factory=dict)
    plugin_id: str | None = Field(default=None, max_length=60, description="For members")
    language: str | None = Field(
        default=None,
        max_length=16,
        description="The merchant's language for the job's messages: zh-CN (default) or en",
    )


def _installation(
    session: Session, host: PluginHost, access: ShopAccess, plugin_id: str | None
) -> InstallationRef:
    enabled = host.shop_view(session, access.shop_id).installations
    own = access.principal.installation_id
    if own is not None:
        found = next((i for i in enabled.values() if i.id == own), None)
    else:
        if not plugin_id:
            raise InvalidInput("Name the service (plugin_id).", field="body.plugin_id")
        found = enabled.get(plugin_id)
    if found is None:
        raise NotFound("That service is not enabled in this shop.", code="plugin_not_enabled")
    return found


@router.post("/shops/{shop_id}/jobs", status_code=status.HTTP_202_ACCEPTED, response_model=JobInfo)
def start_job(
    request: Request,
    access: Annotated[ShopAccess, Access(Scope.shop_read)],
    session: SessionDep,
    body: JobStart,
) -> JobInfo:
    """Queue a job of a service's registered kind."""
    host: PluginHost = request.app.state.runtime.host
    inst = _installation(session, host, access, body.plugin_id)
    try:
        kind = find_kind(host, inst.plugin_id, body.code)
    except ResourceNotFound:
        raise NotFound(f"Unknown job kind '{body.code}'.", code="job_kind_not_found") from None
    if kind.scope:
        scope = Scope(kind.scope)
        if scope.value not in inst.granted_scopes or not access.can(scope):
            raise PermissionDenied(
                f"Starting '{body.code}' needs the '{scope.value}' scope.",
                code="missing_scope",
                extra={"missing_scope": scope.value},
            )
    job = start_plugin_job(
        session,
        installation=inst,
        code=body.code,
        params=body.params,
        language=job_language(body.language),
    )
    out = job_info(job)
    session.commit()
    assert job.id is not None
    enqueue(request.app.state.runtime.huey, "run_job", job.id)
    return out


@router.get("/shops/{shop_id}/jobs/{job_id}", response_model=JobInfo)
def get_job(
    access: Annotated[ShopAccess, Access(Scope.shop_read)],
    session: ReadSessionDep,
    job_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
) -> JobInfo:
    """One job of the shop's services."""
    job = session.get(Job, job_id)
    own = access.principal.installation_id
    if (
        job is None
        or job.shop_id != access.shop_id
        or job.kind != PLUGIN_JOB
        or (own is not None and job.params.get("installation_id") != own)
    ):
        raise NotFound(f"Job {job_id} was not found.", code="job_not_found")
    return job_info(job)
