"""The console's import page, wired to the importers of the shop's enabled services.

Upload (the page's script sends the file as the raw body: streamed, size-limited, kept two
days), then the preview: the detected format and encoding, the first rows as they will be
imported, a column mapping where the format leaves doubt; then a dry run or the import,
each a job with a live bar and counts, and the report of refused rows to download.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from core.api.deps import ReadSessionDep, SessionDep, SettingsDep
from core.api.files import get_file_store
from core.api.product_images import declared_length
from core.errors import NotFound, TanziError
from core.files.documents import file_expired, save_upload
from core.files.service import receive, written_files
from core.files.signing import sign_file_link
from core.files.store import FileStore, StagedFile
from core.jobs.import_job import (
    IMPORT_JOB,
    FoundImporter,
    detect_formats,
    prepared_values,
    preview_rows,
    read_head,
)
from core.jobs.plugin_jobs import installation_client, start_plugin_job
from core.jobs.tasks import enqueue
from core.models import Account, Job, JobStatus
from core.models.files import FilePurpose, StoredFile
from core.settings import Settings
from marketplace.web.console_access import console_context, member_access
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAccount
from marketplace.web.i18n import request_locale
from marketplace.web.templating import gettext_for, render
from sdk.importing import ImportOptions
from sdk.scopes import Scope

router = web_router(tags=["merchant console"])

BASE = "/console/shops/{shop_id}/import"
ENCODINGS = ("utf-8-sig", "gb18030")
FINISHED = (JobStatus.succeeded, JobStatus.failed, JobStatus.cancelled)


def _language(request: Request) -> str:
    return "zh-CN" if request_locale(request).startswith("zh") else "en"


def _upload(session: Session, shop_id: int, file_id: int) -> StoredFile:
    row = session.get(StoredFile, file_id)
    if row is None or row.shop_id != shop_id or row.purpose != FilePurpose.upload:
        raise NotFound("The file was not found.", code="file_not_found")
    if file_expired(row):
        raise NotFound("The file was not found.", code="file_not_found")
    return row


@router.get(BASE)
def import_page(
    shop_id: int, request: Request, session: ReadSessionDep, account: RequireAccount
) -> Response:
    """Choose a file to import; the formats the shop's services read are listed."""
    access = member_access(session, account, shop_id, Scope.products_write)
    found = detect_formats(session, request.app.state.plugins, shop_id, b"", "")
    session.commit()
    settings: Settings = request.app.state.settings
    return render(
        request,
        "console/import.html",
        console_context(
            access,
            "products",
            formats=found,
            max_mb=settings.import_max_bytes // (1024 * 1024),
        ),
    )


def _keep_upload(
    session: Session,
    store: FileStore,
    settings: Settings,
    shop_id: int,
    staged: StagedFile,
    filename: str | None,
) -> int:
    with written_files(store) as keys:
        row = save_upload(
            session,
            store,
            keys,
            shop_id=shop_id,
            staged=staged,
            filename=filename,
            retention_days=settings.upload_retention_days,
            field="body",
        )
        session.commit()
    assert row.id is not None
    return row.id


@router.post(BASE + "/upload")
async def upload_for_import(
    shop_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    account: RequireAccount,
    filename: str = "",
) -> Response:
    """Keep the uploaded file (the raw body) and answer where its preview is."""
    _ = gettext_for(request)
    store = get_file_store(request)
    try:
        await run_in_threadpool(member_access, session, account, shop_id, Scope.products_write)
        staged = await receive(
            request.stream(),
            store,
            limit=settings.import_max_bytes,
            field="body",
            declared_length=declared_length(request),
        )
        file_id = await run_in_threadpool(
            _keep_upload, session, store, settings, shop_id, staged, filename[:200]
        )
    except TanziError as exc:
        messages = {
            "file_too_large": _("The file is larger than %(mb)s MB.")
            % {"mb": settings.import_max_bytes // (1024 * 1024)},
            "unsupported_file_type": _("This is not a CSV or XLSX file."),
            "not_xlsx": _("This file is not a real XLSX workbook (it may be damaged)."),
            "zip_bomb": _(
                "This workbook would unpack to far more than its size (a zip bomb); "
                "it was refused without opening it."
            ),
            "file_name_mismatch": _(
                "The file's name does not match its content (e.g. a CSV named .xlsx); "
                "save it again in the format its name says."
            ),
        }
        body = exc.to_problem(request.url.path)
        body["message"] = messages.get(exc.code, exc.detail)
        return JSONResponse(body, status_code=exc.status, media_type="application/problem+json")
    return JSONResponse({"url": f"/console/shops/{shop_id}/import/files/{file_id}"}, 201)


def _chosen(found: list[FoundImporter], key: str) -> FoundImporter | None:
    return next((f for f in found if f.key == key), found[0] if found else None)


def _mapping(request: Request, columns: list[str], default: dict[str, str]) -> dict[str, str]:
    """The merchant's column mapping from the query (``m0``, ``m1``... by column)."""
    mapping = dict(default)
    for i, column in enumerate(columns):
        value = request.query_params.get(f"m{i}")
        if value is not None:
            if value:
                mapping[column] = value
            else:
                mapping.pop(column, None)
    return mapping


def _prepared(
    request: Request, session: Session, shop_id: int, chosen: FoundImporter
) -> dict[str, Any]:
    """What the chosen importer's ``prepare`` asks of the shop, through its service's client."""
    inst = request.app.state.plugins.shop_view(session, shop_id).installations[chosen.plugin_id]
    runtime = request.app.state.runtime
    client, _ = installation_client(runtime.engine, inst.id, runtime)
    return prepared_values(chosen.importer, client)


def _mapping_step(shop_id: int, file_id: int, chosen: FoundImporter | None) -> str:
    """The importer's own mapping step for this file (its ``mapping_route``), if any."""
    if chosen is None or not chosen.importer.mapping_route:
        return ""
    route = chosen.importer.mapping_route.rstrip("/")
    return f"/apps/{chosen.plugin_id}/shops/{shop_id}{route}/{chosen.importer.code}/{file_id}"


@router.get(BASE + "/files/{file_id}")
def preview_page(
    shop_id: int, file_id: int, request: Request, session: ReadSessionDep, account: RequireAccount
) -> Response:
    """The detected format and encoding, the mapping, and the first rows as imported."""
    _ = gettext_for(request)
    access = member_access(session, account, shop_id, Scope.products_write)
    upload = _upload(session, shop_id, file_id)
    store = get_file_store(request)
    head = read_head(store, upload.storage_key)
    found = detect_formats(session, request.app.state.plugins, shop_id, head, upload.filename)
    session.commit()
    chosen = _chosen(found, request.query_params.get("format", ""))
    rows: list[Any] = []
    error = ""
    encoding = request.query_params.get("encoding", "")
    mapping: dict[str, str] = {}
    if chosen is not None:
        detection = chosen.detection
        encoding = encoding if encoding in ENCODINGS else (detection.encoding or "utf-8-sig")
        mapping = _mapping(request, detection.columns, detection.mapping)
        try:
            options = ImportOptions(
                encoding=encoding,
                mapping=mapping,
                language=_language(request),
                values=_prepared(request, session, shop_id, chosen),
            )
            rows = preview_rows(chosen.importer, store.open(upload.storage_key), options)
        except Exception:
            error = _("This file cannot be read in this format and encoding.")
    return render(
        request,
        "console/import_preview.html",
        console_context(
            access,
            "products",
            upload=upload,
            formats=found,
            chosen=chosen,
            encoding=encoding,
            encodings=ENCODINGS,
            mapping=mapping,
            rows=rows,
            error=error,
            mapping_url=_mapping_step(shop_id, upload.id or 0, chosen),
        ),
    )


@router.post(BASE + "/files/{file_id}/run")
async def run_import(
    shop_id: int, file_id: int, request: Request, session: SessionDep, account: RequireAccount
) -> Response:
    """Start a dry run or the import of the file, then show its progress."""
    form = await request.form()
    return await run_in_threadpool(_start, shop_id, file_id, request, session, account, form)


def _start(
    shop_id: int, file_id: int, request: Request, session: Session, account: Account, form: Any
) -> Response:
    access = member_access(session, account, shop_id, Scope.products_write)
    upload = _upload(session, shop_id, file_id)
    head = read_head(get_file_store(request), upload.storage_key)
    found = detect_formats(session, request.app.state.plugins, shop_id, head, upload.filename)
    chosen = _chosen(found, str(form.get("format", "")))
    if chosen is None:
        raise NotFound("No service of this shop imports products.", code="no_importer")
    columns = chosen.detection.columns
    mapping = {c: str(form.get(f"m{i}")) for i, c in enumerate(columns) if form.get(f"m{i}")}
    encoding = str(form.get("encoding", ""))
    inst = request.app.state.plugins.shop_view(session, shop_id).installations[chosen.plugin_id]
    job = start_plugin_job(
        session,
        installation=inst,
        code=chosen.importer.code,
        kind=IMPORT_JOB,
        language=_language(request),
        params={
            "file_id": upload.id,
            "encoding": encoding if encoding in ENCODINGS else chosen.detection.encoding,
            "mapping": mapping or chosen.detection.mapping,
            "dry_run": form.get("dry_run") == "1",
            "filename": upload.filename,
        },
    )
    job.params = {**job.params, "account_id": access.principal.account_id}
    session.add(job)
    session.commit()
    assert job.id is not None
    enqueue(request.app.state.runtime.huey, "run_job", job.id)
    return RedirectResponse(f"/console/shops/{shop_id}/import/jobs/{job.id}", status_code=303)


def _job(session: Session, shop_id: int, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None or job.shop_id != shop_id or job.kind != IMPORT_JOB:
        raise NotFound(f"Job {job_id} was not found.")
    return job


def import_progress(job: Job, label: str) -> dict[str, Any]:
    """What the live bar shows: progress, status and counts."""
    done = job.status in FINISHED
    total = max(job.total or 0, job.progress)
    percent = 100 if done else (min(99, 100 * job.progress // total) if total else 0)
    return {
        "id": job.id,
        "status": job.status.value,
        "done": done,
        "label": label,
        "progress": job.progress,
        "total": job.progress if done else total,
        "percent": percent,
        "counts": {
            k: int(job.counts.get(k, 0)) for k in ("created", "updated", "unchanged", "failed")
        },
        "message": job.message,
        "rows": [],
        "report": bool(job.checkpoint.get("report_file_id")),
    }


@router.get(BASE + "/jobs/{job_id}")
def import_job_page(
    shop_id: int, job_id: int, request: Request, session: ReadSessionDep, account: RequireAccount
) -> Response:
    """A dry run's or an import's live progress, counts and report."""
    _ = gettext_for(request)
    access = member_access(session, account, shop_id, Scope.products_write)
    job = _job(session, shop_id, job_id)
    session.commit()
    label = _("Dry run") if job.params.get("params", {}).get("dry_run") else _("Import")
    return render(
        request,
        "console/import_job.html",
        console_context(
            access,
            "products",
            job=import_progress(job, label),
            file_id=job.params.get("params", {}).get("file_id"),
            progress_url=f"/console/shops/{shop_id}/import/jobs/{job_id}/progress",
            report_url=f"/console/shops/{shop_id}/import/jobs/{job_id}/report",
        ),
    )


@router.get(BASE + "/jobs/{job_id}/progress")
def import_job_progress(
    shop_id: int, job_id: int, request: Request, session: ReadSessionDep, account: RequireAccount
) -> JSONResponse:
    """The job's progress and counts (polled by the page's script)."""
    _ = gettext_for(request)
    member_access(session, account, shop_id, Scope.products_write)
    job = _job(session, shop_id, job_id)
    session.commit()
    label = _("Dry run") if job.params.get("params", {}).get("dry_run") else _("Import")
    return JSONResponse(import_progress(job, label), headers={"Cache-Control": "no-store"})


@router.get(BASE + "/jobs/{job_id}/report")
def import_report(
    shop_id: int, job_id: int, request: Request, session: ReadSessionDep, account: RequireAccount
) -> Response:
    """The refused rows' report, through a short-lived signed link."""
    member_access(session, account, shop_id, Scope.products_write)
    job = _job(session, shop_id, job_id)
    report = session.get(StoredFile, int(job.checkpoint.get("report_file_id") or 0))
    session.commit()
    if report is None or report.shop_id != shop_id:
        raise NotFound("This job has no report.", code="no_report")
    return RedirectResponse(sign_file_link(request.app.state.settings, report), status_code=303)
