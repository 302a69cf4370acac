"""The file a service's job wrote (an export, say), for the merchant to download.

A service's own client may not sign a link to a result file without ``shop:write`` (a
result can hold anything), so its pages link here instead: the host checks that the
member may do what the job kind needs (its ``scope``) and redirects to a short-lived
signed link of the job's result or report.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from core.api.deps import ReadSessionDep
from core.errors import NotFound
from core.files.signing import sign_file_link
from core.jobs.plugin_jobs import PLUGIN_JOB, find_kind
from core.models import Job
from core.models.files import StoredFile
from marketplace.web.console_access import member_access
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAccount
from sdk.errors import ResourceNotFound
from sdk.scopes import Scope

router = web_router(tags=["merchant console"])
#: Which of a job's files a link may ask for, by the checkpoint key that holds its id.
FILES = {"result": "result_file_id", "report": "report_file_id"}


@router.get("/console/shops/{shop_id}/service-jobs/{job_id}/{which}")
def service_job_file(
    shop_id: int,
    job_id: int,
    which: str,
    request: Request,
    session: ReadSessionDep,
    account: RequireAccount,
) -> Response:
    """A service job's result or report, for a member with the job kind's scope."""
    job = session.get(Job, job_id)
    if which not in FILES or job is None or job.shop_id != shop_id or job.kind != PLUGIN_JOB:
        raise NotFound(f"Job {job_id} was not found.", code="job_not_found")
    try:
        kind = find_kind(
            request.app.state.plugins, str(job.params.get("plugin_id")), str(job.params["code"])
        )
        scope = Scope(kind.scope) if kind.scope else Scope.shop_read
    except (ResourceNotFound, ValueError):
        scope = Scope.shop_write  # the kind is gone: only who may change the shop
    member_access(session, account, shop_id, scope)
    file = session.get(StoredFile, int(job.checkpoint.get(FILES[which]) or 0))
    session.commit()
    if file is None or file.shop_id != shop_id:
        raise NotFound("This job has no such file.", code="file_not_found")
    return RedirectResponse(sign_file_link(request.app.state.settings, file), status_code=303)
