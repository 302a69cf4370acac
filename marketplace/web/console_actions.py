"""Plugins' actions on the rows a merchant selected, and the jobs that run them.

The orders and products lists post the chosen action and rows to
``/console/shops/{shop_id}/actions``. That starts a ``merchant_action`` job
(:mod:`core.plugins.actions`) and answers with the job's URLs (JSON, for the list page's
script, which then polls ``.../jobs/{job_id}/progress`` every second and draws the progress
bar) or, without a script, a redirect to the job's own page.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlmodel import Session

from core.api.deps import ReadSessionDep, SessionDep
from core.api.files import signed_link
from core.auth import ShopAccess
from core.errors import InvalidInput, NotFound
from core.jobs.plugin_jobs import PLUGIN_JOB
from core.jobs.tasks import enqueue
from core.models import Account, Job, JobStatus
from core.models.files import StoredFile
from core.plugins.actions import AREAS, JOB_KIND, find_action, result_file_id, start_action
from marketplace.web.console_access import console_context, member_access
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAccount
from marketplace.web.i18n import request_locale
from marketplace.web.templating import flash, gettext_for, render
from sdk.scopes import Scope

router = web_router(tags=["merchant console"])

#: The scope that shows a list's rows, and so the jobs run over them.
AREA_SCOPES: dict[str, Scope] = {"orders": Scope.orders_read, "products": Scope.products_read}
FINISHED = frozenset({JobStatus.succeeded, JobStatus.failed, JobStatus.cancelled})
#: The most refused rows the progress JSON lists (the report file has them all).
MAX_ROWS_SHOWN = 500


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def job_path(shop_id: int, job_id: int) -> str:
    return f"/console/shops/{shop_id}/jobs/{job_id}"


def job_progress(job: Job) -> dict[str, Any]:
    """What the progress bar and the per-row list show, as JSON."""
    total = job.total or 0
    percent = 100 if job.status in FINISHED else (100 * job.progress // total if total else 0)
    results = job.checkpoint.get("results", {}) if isinstance(job.checkpoint, dict) else {}
    rows = [
        {"row": int(key), "ok": bool(value.get("ok")), "message": value.get("message", "")}
        for key, value in results.items()
    ]
    if job.kind == PLUGIN_JOB:  # a plugin's job names refused rows by their value (an id)
        rows += [
            {"row": _row_id(error), "ok": False, "message": str(error.get("reason", ""))}
            for error in job.errors[:MAX_ROWS_SHOWN]
        ]
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
        "rows": rows,
    }


def _row_id(error: dict[str, Any]) -> int:
    """The id a refused row names (its value), else its number in the input."""
    value = str(error.get("value", ""))
    return int(value) if value.isdigit() else int(error.get("row", 0))


#: The prefix of an action's field in the list's form: ``p.<plugin id>:<code>.<name>``.
FIELD_PREFIX = "p."


def field_name(key: str, name: str) -> str:
    """The form name of field ``name`` of the action ``key`` (unique on the page)."""
    return f"{FIELD_PREFIX}{key}.{name}"


async def posted_values(request: Request) -> dict[str, str]:
    """The posted form's text fields (read once; the CSRF check may have read it already)."""
    form = await request.form()
    return {k: v for k, v in form.multi_items() if isinstance(v, str)}


PostedValues = Annotated[dict[str, str], Depends(posted_values)]


def action_values(posted: dict[str, str], key: str) -> dict[str, str]:
    """The values of the chosen action's fields among everything the form posted."""
    prefix = f"{FIELD_PREFIX}{key}."
    return {k.removeprefix(prefix): v for k, v in posted.items() if k.startswith(prefix)}


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
    posted: PostedValues = None,  # type: ignore[assignment]
) -> Response:
    """Start the chosen action over the selected rows, with the values of its fields."""
    access = member_access(session, account, shop_id, AREA_SCOPES.get(area, Scope.orders_read))
    _ = gettext_for(request)
    locale = request_locale(request)
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
            values=action_values(posted or {}, action),
            language="zh-CN" if locale == "zh_CN" else "en",
        )
    except (InvalidInput, NotFound) as exc:
        session.rollback()
        message = (
            _("Select at least one row.")
            if (exc.field or "").endswith("ids") and not selected
            else _("This action is not available for these rows.")
        )
        if (exc.field or "").startswith("body.params."):
            name = (exc.field or "").removeprefix("body.params.")
            label = _field_label(session, request, shop_id, action, name, locale)
            message = _field_message(request, label, exc)
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


def _field_message(request: Request, label: str, exc: InvalidInput | NotFound) -> str:
    """What was wrong with the action's field ``label``, in the page's language."""
    _ = gettext_for(request)
    if exc.code == "required":
        return _("Fill in '%(field)s' first.") % {"field": label}
    if exc.code == "not_a_number":
        return _("'%(field)s' must be a number.") % {"field": label}
    return _("Choose one of the options of '%(field)s'.") % {"field": label}


def _field_label(
    session: Session, request: Request, shop_id: int, key: str, name: str, locale: str
) -> str:
    """The label of field ``name`` of action ``key`` in ``locale`` (``name`` if gone)."""
    try:
        ref = find_action(session, host=request.app.state.plugins, shop_id=shop_id, key=key)
    except NotFound:
        return name
    spec = next((f for f in ref.action.fields if f.name == name), None)
    return spec.label_for(locale) if spec is not None else name


def _job(session: Session, account: Account, shop_id: int, job_id: int) -> tuple[ShopAccess, Job]:
    """The shop's action job, for a member who may see the rows it ran over."""
    access = member_access(session, account, shop_id, Scope.shop_read)
    job = session.get(Job, job_id)
    started_here = job is not None and (job.kind == JOB_KIND or "action" in job.params)
    if job is None or job.shop_id != shop_id or not started_here:
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
