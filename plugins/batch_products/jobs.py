"""The plugin's resumable jobs: export the catalog, preview an edited sheet, apply a batch,
undo a batch.

Each runs in the worker through :mod:`sdk.jobs`: writes go through ``chunk.client`` and
commit with the job's checkpoint, so a worker killed half-way resumes without applying a
change twice (a change already tried carries ``done`` or ``error`` in its part record).
Refused rows go to the host's report of the job, in the merchant's language.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

from plugins.batch_products.batches import (
    batch_parts,
    current_value,
    error_reason,
    header,
    mark,
    now_utc,
    save_batch,
    undo_refusal,
    write_value,
)
from plugins.batch_products.diff import Change, diff_sheet, index_catalog
from plugins.batch_products.export import ExportFilter, catalog, export_catalog
from plugins.batch_products.messages import column_title, reason_text
from plugins.batch_products.reading import SheetRefused, read_sheet
from sdk.errors import ClientError
from sdk.jobs import Chunk, JobContext, JobKind, run_chunked

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: In memory up to this size, then on disk.
SPOOL_BYTES = 8 << 20


def lang_of(ctx: JobContext) -> str:
    """The job's language as this plugin's catalog names it (``zh_CN`` or ``en``): the
    page's that started it (``client.jobs.start(..., language=...)``)."""
    language = str(ctx.language)
    return "zh_CN" if language.replace("-", "_").lower() == "zh_cn" else "en"


def _filter(params: Any) -> ExportFilter:
    ids = params.get("ids")
    category = params.get("category_id")
    return ExportFilter(
        status=params.get("status") or None,
        category_id=int(category) if category not in (None, "") else None,
        title_contains=str(params.get("title_contains") or ""),
        ids=frozenset(int(i) for i in ids) if ids else None,
    )


def run_export(ctx: JobContext) -> None:
    """Write the (filtered) catalog to an XLSX or CSV result file."""
    fmt = "csv" if ctx.params.get("format") == "csv" else "xlsx"
    lang = lang_of(ctx)
    with tempfile.SpooledTemporaryFile(SPOOL_BYTES) as out:
        rows = export_catalog(ctx.client, out, fmt=fmt, lang=lang, where=_filter(ctx.params))
        out.seek(0)
        name = f"{'商品' if lang == 'zh_CN' else 'products'}-{now_utc():%Y%m%d-%H%M}.{fmt}"
        content_type = "text/csv" if fmt == "csv" else XLSX_TYPE
        info = ctx.client.files.write(name, out, content_type=content_type, retention_days=7)
    ctx.set_total(rows)
    with ctx.chunk(rows) as chunk:
        chunk.count("exported", rows)
    ctx.set_result(info.id, name)


def run_preview(ctx: JobContext) -> None:
    """Diff an uploaded sheet with the shop and keep the changes as a batch to apply."""
    lang = lang_of(ctx)
    file_id = int(ctx.params["file_id"])
    batch = f"s{ctx.job_id}"
    with tempfile.SpooledTemporaryFile(SPOOL_BYTES) as copy:
        with ctx.client.files.open(file_id) as source:
            shutil.copyfileobj(source, copy)
        copy.seek(0)
        try:
            diff = diff_sheet(read_sheet(copy), index_catalog(catalog(ctx.client)))
        except SheetRefused as refused:
            words = {**refused.params}
            if "columns" in words:
                words["columns"] = ", ".join(column_title(c, lang) for c in words["columns"])
            with ctx.chunk(0) as chunk:
                chunk.refuse(0, reason=reason_text(refused.code, lang, **words))
            return
    with ctx.chunk(len(diff.seen) + len(diff.failed)) as chunk:
        save_batch(
            chunk.client,
            batch,
            diff.all_changes(),
            kind="sheet",
            label=ctx.client.files.info(file_id).filename,
            extra={"counts": diff.counts, "file_id": file_id, "refused": len(diff.refused)},
        )
        for status in ("updated", "unchanged"):
            chunk.count(status, diff.counts[status])
        for refusal in diff.refused:
            chunk.refuse(
                refusal.row,
                column=column_title(refusal.column, lang),
                value=refusal.value,
                reason=reason_text(refusal.reason, lang),
            )


def _parts(ctx: JobContext, batch: str) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    return batch_parts(ctx.client, batch)


def _refuse(chunk: Chunk, change: Change, reason: str, lang: str) -> None:
    chunk.refuse(
        change.row,
        column=column_title(change.field, lang),
        value="" if change.after is None else str(change.after),
        reason=reason_text(reason, lang),
    )


def run_apply(ctx: JobContext) -> None:
    """Write a previewed batch's changes, a part per chunk."""
    batch, lang = str(ctx.params["batch"]), lang_of(ctx)
    data = header(ctx.client, batch)
    if data is None or data.get("status") not in ("previewed", "applying"):
        with ctx.chunk(ctx.position) as chunk:
            chunk.refuse(0, reason=reason_text("already_applied", lang))
        return
    mark(ctx.client, batch, status="applying", apply_job=ctx.job_id)
    ctx.set_total(int(data.get("parts", 0)))

    def handle(chunk: Chunk, parts: list[tuple[int, tuple[str, list[dict[str, Any]]]]]) -> None:
        for _n, (key, items) in parts:
            touched: set[int] = set()
            for item in items:
                if "done" in item:
                    continue
                change = Change.from_dict(item)
                try:
                    write_value(chunk.client, change, change.after)
                except ClientError as exc:
                    item.update(done=False, error=error_reason(exc))
                    _refuse(chunk, change, item["error"], lang)
                    continue
                item["done"] = True
                touched.add(change.product_id)
            chunk.count("updated", len(touched))
            chunk.client.records.put("batch_changes", key, {"changes": items})

    run_chunked(ctx, _parts(ctx, batch), handle, size=1)
    mark(ctx.client, batch, status="applied", applied_at=now_utc().isoformat())


def run_undo(ctx: JobContext) -> None:
    """Put back the before-values of an applied batch, where nothing changed them since."""
    batch, lang = str(ctx.params["batch"]), lang_of(ctx)
    data = header(ctx.client, batch) or {}
    why = None if data.get("status") == "undoing" else undo_refusal(data, now_utc())
    if why is not None:
        with ctx.chunk(ctx.position) as chunk:
            chunk.refuse(0, reason=reason_text(why, lang))
        return
    mark(ctx.client, batch, status="undoing", undo_job=ctx.job_id)

    def handle(chunk: Chunk, parts: list[tuple[int, tuple[str, list[dict[str, Any]]]]]) -> None:
        for _n, (key, items) in parts:
            restored: set[int] = set()
            for item in items:
                if item.get("done") is not True or "undone" in item:
                    continue
                change = Change.from_dict(item)
                if current_value(chunk.client, change) != change.after:
                    item["undone"] = False
                    _refuse(chunk, change, "changed_since", lang)
                    continue
                try:
                    write_value(chunk.client, change, change.before)
                except ClientError as exc:
                    item["undone"] = False
                    _refuse(chunk, change, error_reason(exc), lang)
                    continue
                item["undone"] = True
                restored.add(change.product_id)
            chunk.count("updated", len(restored))
            chunk.client.records.put("batch_changes", key, {"changes": items})

    run_chunked(ctx, _parts(ctx, batch), handle, size=1)
    mark(ctx.client, batch, status="undone", undone_at=now_utc().isoformat())


JOB_KINDS = [
    JobKind(code="export", name="Export products", run=run_export, scope="products:write"),
    JobKind(code="preview", name="Preview an edited sheet", run=run_preview, scope="products:read"),
    JobKind(code="apply", name="Apply a batch", run=run_apply, scope="products:write"),
    JobKind(code="undo", name="Undo a batch", run=run_undo, scope="products:write"),
]
