"""The plugin's pages in the console: ship from a sheet, cancel unpaid orders by the days
they were placed, export orders by filter (XLSX or CSV), and a job's progress with its
report of refused rows to download.

Pages return :class:`sdk.SafeHtml` with the forms the host draws (CSRF-checked); an
export answers the file itself (:class:`sdk.ResultFile`). The export with buyer details is
its own route declaring ``orders:pii``: the host serves it only to members whose role
covers that scope, in installations granted it.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from html import escape
from typing import Any

from plugins.batch_orders.export import XLSX_TYPE, OrderFilter, matching_orders, write_orders
from plugins.batch_orders.jobs import day_of
from plugins.batch_orders.messages import lang_of, reason_text
from plugins.batch_orders.page_forms import CANCEL_FORM, EXPORT_FORM, EXPORT_PII_FORM, SHIP_FORM
from plugins.batch_orders.page_words import WORDS
from sdk.client import ShopClient
from sdk.models import PluginRoute, ResultFile, SafeHtml
from sdk.scopes import Scope

#: Exports larger than this spill from memory to disk while they are written.
SPOOL_BYTES = 8 << 20
#: Characters of the text progress bar.
BAR_WIDTH = 20


def base_of(client: ShopClient) -> str:
    """Where this plugin's pages for the client's shop start."""
    return f"/apps/batch_orders/shops/{client.shop_id}"


def home_page(client: ShopClient, language: str = "en") -> SafeHtml:
    """What the service does, with its three forms."""
    w = WORDS[lang_of(language)]
    forms = (SHIP_FORM, CANCEL_FORM, EXPORT_FORM, EXPORT_PII_FORM)
    return SafeHtml(
        html=f"<p>{escape(w['intro'])}</p><ul>"
        f"<li>{escape(w['ship_help'])}</li><li>{escape(w['cancel_help'])}</li>"
        f"<li>{escape(w['export_help'])}</li></ul>",
        forms=forms,
    )


def _started(client: ShopClient, code: str, params: dict[str, Any], language: str) -> SafeHtml:
    w = WORDS[lang_of(language)]
    job = client.jobs.start(code, {**params, "language": language})
    return SafeHtml(
        html=f"<p>{escape(w['started'].format(id=job.id))} "
        f'<a href="{base_of(client)}/jobs/{job.id}">{escape(w["see_job"])}</a></p>'
    )


def ship_page(client: ShopClient, params: dict[str, Any], language: str = "en") -> SafeHtml:
    """Start shipping the uploaded sheet (``file_id``)."""
    return _started(client, "ship", {"file_id": int(params["file_id"])}, language)


def _days(params: dict[str, Any]) -> tuple[Any, Any, bool]:
    first, last = day_of(params.get("placed_from")), day_of(params.get("placed_to"))
    bad = (bool(params.get("placed_from")) and first is None) or (
        bool(params.get("placed_to")) and last is None
    )
    return first, last, bad or bool(first and last and last < first)


def cancel_page(client: ShopClient, params: dict[str, Any], language: str = "en") -> SafeHtml:
    """Start cancelling the unpaid orders placed in the chosen days."""
    first, last, bad = _days(params)
    if bad:
        lang = lang_of(language)
        return SafeHtml(
            html=f"<p>{escape(reason_text('bad_dates', lang))}</p>", forms=(CANCEL_FORM,)
        )
    wanted = {
        "reason": str(params.get("reason", "")),
        "placed_from": first.isoformat() if first else "",
        "placed_to": last.isoformat() if last else "",
    }
    return _started(client, "cancel_unpaid", wanted, language)


def _export(
    client: ShopClient, params: dict[str, Any], language: str, *, with_buyer: bool
) -> ResultFile | SafeHtml:
    lang = lang_of(language)
    first, last, bad = _days(params)
    if bad:
        form = EXPORT_PII_FORM if with_buyer else EXPORT_FORM
        return SafeHtml(html=f"<p>{escape(reason_text('bad_dates', lang))}</p>", forms=(form,))
    fmt = "csv" if params.get("format") == "csv" else "xlsx"
    where = OrderFilter(status=params.get("status") or None, placed_from=first, placed_to=last)
    with tempfile.SpooledTemporaryFile(SPOOL_BYTES) as out:
        count = write_orders(
            matching_orders(client, where), out, fmt=fmt, with_buyer=with_buyer, lang=lang
        )
        out.seek(0)
        data = out.read()
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    name = f"{'订单' if lang == 'zh_CN' else 'orders'}-{stamp}.{fmt}"
    return ResultFile(
        filename=name,
        content_type="text/csv" if fmt == "csv" else XLSX_TYPE,
        data=data,
        message=WORDS[lang]["exported"].format(n=count),
    )


def export_page(
    client: ShopClient, params: dict[str, Any], language: str = "en"
) -> ResultFile | SafeHtml:
    """The orders the form chose, without buyer details, as a download."""
    return _export(client, params, language, with_buyer=False)


def export_pii_page(
    client: ShopClient, params: dict[str, Any], language: str = "en"
) -> ResultFile | SafeHtml:
    """The orders the form chose with the recipients' names, phones and addresses."""
    return _export(client, params, language, with_buyer=True)


def _bar(done: int, total: int) -> str:
    filled = BAR_WIDTH * done // total if total else 0
    return "▓" * filled + "░" * (BAR_WIDTH - filled)


def job_page(client: ShopClient, path_params: dict[str, Any], language: str = "en") -> SafeHtml:
    """A job's progress bar and counts, with its report of refused rows to download."""
    lang = lang_of(language)
    w = WORDS[lang]
    job = client.jobs.get(int(path_params["job"]))
    total = job.total or 0
    done = total if job.status == "succeeded" else min(job.progress, total)
    percent = 100 * done // total if total else (100 if job.status == "succeeded" else 0)
    counts = "".join(
        f"<li>{escape(w.get('count_' + k, k))}: <strong>{n}</strong></li>"
        for k, n in sorted(job.counts.items())
    )
    parts = [
        f"<h2>{escape(w['job'].format(id=job.id))}</h2>",
        f"<p><strong>{escape(w.get('status_' + job.status, job.status))}</strong></p>",
        f"<p><code>{_bar(done, total)}</code> <span>{percent}% ({done} / {total})</span></p>",
        f"<ul>{counts}</ul>",
    ]
    if job.report_file_id:
        parts.append(
            f'<p><a href="{base_of(client)}/jobs/{job.id}/report">{escape(w["report"])}</a></p>'
        )
    if job.status not in ("succeeded", "failed", "cancelled"):
        parts.append(f"<p><small>{escape(w['reload'])}</small></p>")
    parts.append(f'<p><a href="{base_of(client)}">{escape(w["back"])}</a></p>')
    return SafeHtml(html="".join(parts))


def report_page(client: ShopClient, path_params: dict[str, Any], language: str = "en") -> Any:
    """The job's report of refused rows (row, column, value, reason), as a download."""
    job = client.jobs.get(int(path_params["job"]))
    if not job.report_file_id:
        return SafeHtml(html=f"<p>{escape(WORDS[lang_of(language)]['no_report'])}</p>")
    info = client.files.info(job.report_file_id)
    with client.files.open(job.report_file_id) as stream:
        data = stream.read()
    return ResultFile(filename=info.filename or "report.csv", content_type="text/csv", data=data)


def routes() -> list[PluginRoute]:
    """The plugin's pages."""
    read, write = Scope.orders_read.value, Scope.orders_write.value
    ship = Scope.logistics_write.value
    return [
        PluginRoute(path="/", endpoint=home_page, title="Batch orders", scope=read),
        PluginRoute(path="/ship", endpoint=ship_page, methods=("POST",), scope=ship),
        PluginRoute(path="/cancel", endpoint=cancel_page, methods=("POST",), scope=write),
        PluginRoute(path="/export", endpoint=export_page, methods=("POST",), scope=read),
        PluginRoute(
            path="/export-buyers",
            endpoint=export_pii_page,
            methods=("POST",),
            scope=Scope.orders_pii.value,
        ),
        PluginRoute(path="/jobs/{job:int}", endpoint=job_page, title="Job", scope=read),
        PluginRoute(path="/jobs/{job:int}/report", endpoint=report_page, scope=read),
    ]
