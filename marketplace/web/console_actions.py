"""Plugins' actions on the rows a merchant selected, and the jobs that run them.

The orders and products lists post the chosen action and rows to
``/console/shops/{shop_id}/actions``. That starts a ``merchant_action`` job
(:mod:`core.plugins.actions`) and answers with the job's URLs (JSON, for the list page's
script, which then polls ``.../jobs/{job_id}/progress`` every second and draws the progress
bar) or, without a script, a redirect to the job's own page.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlmodel import Session

from core.api.deps import ReadSessionDep, SessionDep
from core.api.files import signed_link
from core.auth import ShopAccess
from core.errors import InvalidInput, NotFound
from core.jobs.tasks import enqueue
from core.models import Account, Job, JobStatus
from core.models.files import StoredFile
from core.plugins.actions import AREAS, JOB_KIND, result_file_id, start_action
from marketplace.web.console_access import console_context, member_access
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAccount
from marketplace.web.templating import flash, gettext_for, render
from sdk.scopes import Scope

router = web_router(tags=["merchant console"])

#: The scope that shows a list's rows, and so the jobs run over them.
AREA_SCOPES: dict[str, Scope] = {"orders": Scope.orders_read, "products": Scope.products_read}
FINISHED = frozenset({JobStatus.succeeded, JobStatus.failed, JobStatus.cancelled})


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def job_path(shop_id: int, job_id: int) -> str:
    return f"/console/shops/{shop_id}/jobs/{job_id}"


def job_progress(job: Job) -> dict[str, Any]:
    """What the progress bar and the per-row list show, as JSON."""
    total = job.total or 0
    percent = 100 if job.status in FINISHED else (100 * job.progress // total if total else 0)
    results = job.checkpoint.get("results", {}) if isinstance(job.checkpoint, dict) else {}
    return {
        "id": job.id,
        "status": job.status.value,
        "done": job.status in FINISHED,
        "label": job.params.get("label", ""),
        "progress": job.progress,
        "total": total,
        "percent": percent,
        "counts": dict(job.counts),
        "message": job.message,
        "result_url": (
            f"{job_path(job.shop_id or 0, job.id or 0)}/result"
            if result_file_id(job) is not None
            else ""
        ),
        "rows": [
            {"row": int(key), "ok": bool(value.get("ok")), "message": value.get("message", "")}
            for key, value in results.items()
        ],
    }


def _list_path(shop_id: int, area: str) -> str:
    return f"/console/shops/{shop_id}/{area if area in AREAS else 'orders'}"


@router.post("/console/shops/{shop_id}/actions")
def run_action(
    shop_id: int,
    request: Request,
    session: SessionDep,
    account: RequireAccount,
    action: Annotated[str, Form()] = "",
    area: Annotated[str, Form()] = "orders",
    ids: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """Start the chosen action over the selected rows."""
    access = member_access(session, account, shop_id, AREA_SCOPES.get(area, Scope.orders_read))
    _ = gettext_for(request)
    selected = [int(i) for i in ids or [] if i.isdigit()]
    try:
        if not selected:
            raise InvalidInput("Select at least one row.", field="body.ids")
        job = start_action(
            session,
            host=request.app.state.plugins,
            shop_id=shop_id,
            key=action,
            item_ids=selected,
            account_id=account.id,
            can=access.can,
        )
    except (InvalidInput, NotFound) as exc:
        session.rollback()
        message = (
            _("Select at least one row.")
            if (exc.field or "").endswith("ids") and not selected
            else _("This action is not available for these rows.")
        )
        if wants_json(request):
            field = "ids" if (exc.field or "").endswith("ids") else "action"
            return JSONResponse({"errors": {field: message}}, status_code=400)
        flash(request, message, "error")
        return RedirectResponse(_list_path(shop_id, area), status_code=303)
    session.commit()
    assert job.id is not None
    enqueue(request.app.state.runtime.huey, "run_job", job.id)
    if wants_json(request):
        return JSONResponse(
            {
                "job": job_progress(job),
                "url": job_path(shop_id, job.id),
                "progress_url": f"{job_path(shop_id, job.id)}/progress",
            },
            status_code=202,
        )
    return RedirectResponse(job_path(shop_id, job.id), status_code=303)


def _job(session: Session, account: Account, shop_id: int, job_id: int) -> tuple[ShopAccess, Job]:
    """The shop's action job, for a member who may see the rows it ran over."""
    access = member_access(session, account, shop_id, Scope.shop_read)
    job = session.get(Job, job_id)
    if job is None or job.shop_id != shop_id or job.kind != JOB_KIND:
        raise NotFound(f"Job {job_id} was not found.")
    area = str(job.params.get("area", "orders"))
    access = member_access(session, account, shop_id, AREA_SCOPES.get(area, Scope.orders_read))
    return access, job


@router.get("/console/shops/{shop_id}/jobs/{job_id}/progress")
def job_progress_json(
    shop_id: int, job_id: int, session: ReadSessionDep, account: RequireAccount
) -> JSONResponse:
    """The job's progress, counts and per-row results (polled by the console's script)."""
    _access, job = _job(session, account, shop_id, job_id)
    session.commit()
    return JSONResponse(job_progress(job), headers={"Cache-Control": "no-store"})


@router.get("/console/shops/{shop_id}/jobs/{job_id}")
def job_page(
    shop_id: int, job_id: int, request: Request, session: ReadSessionDep, account: RequireAccount
) -> Response:
    """One action run: a live progress bar, then each row's result or error."""
    access, job = _job(session, account, shop_id, job_id)
    session.commit()
    area = str(job.params.get("area", "orders"))
    return render(
        request,
        "console/job.html",
        console_context(
            access,
            area if area in AREAS else "orders",
            job=job_progress(job),
            area=area,
            progress_url=f"{job_path(shop_id, job_id)}/progress",
        ),
    )


@router.get("/console/shops/{shop_id}/jobs/{job_id}/result")
def job_result(
    shop_id: int, job_id: int, request: Request, session: ReadSessionDep, account: RequireAccount
) -> Response:
    """The one file a whole-selection run wrote: a redirect to its short-lived signed link,
    for a member who may see the rows the run took."""
    _access, job = _job(session, account, shop_id, job_id)
    file_id = result_file_id(job)
    file = session.get(StoredFile, file_id) if file_id is not None else None
    session.commit()
    if file is None or file.shop_id != shop_id:
        raise NotFound("This run has no result file.", code="file_not_found")
    link = signed_link(request.app.state.settings, file)
    return RedirectResponse(link.url, status_code=303, headers={"Cache-Control": "no-store"})
