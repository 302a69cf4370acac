"""The plugin's pages in the console: export, re-import, recent batches, one batch's changes
before -> after with Apply or Undo, and a job's outcome with its downloads.

Pages return :class:`sdk.SafeHtml` (sanitized and framed by the host) with the forms the
host draws (:class:`sdk.PageForm`); posting one starts a job through ``client.jobs``.
Text is escaped here, since titles and cell values come from merchants' files.
"""

from __future__ import annotations

from html import escape
from typing import Any

from plugins.batch_products.actions import merchant_actions
from plugins.batch_products.batches import BATCHES, batch_parts, header, now_utc, undo_refusal
from plugins.batch_products.messages import column_title
from sdk.client import ShopClient
from sdk.errors import ScopeDenied
from sdk.models import ActionField, PageForm, PluginRoute, SafeHtml

_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "intro": "Export your products to a spreadsheet, edit prices, stock, titles, status "
        "or categories, and upload it again: you see exactly what changes before you "
        "apply it, and can undo a batch for a day.",
        "batches": "Recent batches",
        "none": "No batches yet.",
        "kind": "Kind",
        "label": "Source",
        "status": "Status",
        "changes": "Changes",
        "product": "Product",
        "field": "Field",
        "before": "Before",
        "after": "After",
        "result": "Result",
        "sheet": "Re-imported sheet",
        "action": "Bulk action",
        "started": "Started: job #{id}.",
        "see_job": "Follow it",
        "job": "Job #{id}: {status}",
        "download": "Download",
        "report": "Refused rows (report)",
        "preview": "See the changes and apply them",
        "no_changes": "The sheet changes nothing.",
        "back": "All batches",
        "previewed": "previewed, not applied",
        "applying": "being applied",
        "applied": "applied",
        "undoing": "being undone",
        "undone": "undone",
    },
    "zh_CN": {
        "intro": "把商品导出为表格，修改价格、库存、标题、状态或类目后重新上传：应用前可看到确切的修改，"  # noqa: RUF001
        "应用后一天内可整批撤销。",
        "batches": "最近的批次",
        "none": "还没有批次。",
        "kind": "类型",
        "label": "来源",
        "status": "状态",
        "changes": "修改",
        "product": "商品",
        "field": "字段",
        "before": "修改前",
        "after": "修改后",
        "result": "结果",
        "sheet": "重新导入的表格",
        "action": "批量操作",
        "started": "已开始：任务 #{id}。",  # noqa: RUF001
        "see_job": "查看进度",
        "job": "任务 #{id}：{status}",  # noqa: RUF001
        "download": "下载",
        "report": "被拒绝的行（报告）",  # noqa: RUF001
        "preview": "查看修改并应用",
        "no_changes": "表格没有任何修改。",
        "back": "全部批次",
        "previewed": "已预览，未应用",  # noqa: RUF001
        "applying": "正在应用",
        "applied": "已应用",
        "undoing": "正在撤销",
        "undone": "已撤销",
    },
}
EXPORT_FORM = PageForm(
    path="/export",
    label="Export",
    label_zh_CN="导出",
    fields=(
        ActionField(
            name="format",
            label="Format",
            label_zh_CN="格式",
            kind="select",
            options=(("xlsx", "Excel (.xlsx)", "Excel（.xlsx）"), ("csv", "CSV", "CSV")),  # noqa: RUF001
        ),
        ActionField(
            name="status",
            label="Products",
            label_zh_CN="商品",
            kind="select",
            options=(
                ("", "All", "全部"),
                ("listed", "Listed", "已上架"),
                ("delisted", "Delisted", "已下架"),
                ("draft", "Drafts", "草稿"),
            ),
        ),
        ActionField(name="title_contains", label="Title contains", label_zh_CN="标题包含"),
    ),
)


REIMPORT_FORM = PageForm(
    path="/reimport",
    label="Upload and preview",
    label_zh_CN="上传并预览",
    fields=(
        ActionField(
            name="file_id",
            label="Edited sheet (.xlsx or .csv)",
            label_zh_CN="编辑后的表格（.xlsx 或 .csv）",  # noqa: RUF001
            kind="file",
            required=True,
        ),
    ),
)


def base_of(client: ShopClient) -> str:
    """Where this plugin's pages for the client's shop start."""
    return f"/apps/batch_products/shops/{client.shop_id}"


def lang_of(language: str) -> str:
    """``zh_CN`` or ``en`` from the host's ``zh-CN`` / ``en``."""
    return "zh_CN" if language.replace("-", "_").lower() == "zh_cn" else "en"


def _shown(field: str, value: Any) -> str:
    if value is None:
        return "-"
    if field == "price" and isinstance(value, int):
        return f"¥{value / 100:.2f}"
    return str(value)


def _status(w: dict[str, str], status: Any) -> str:
    return w.get(str(status), str(status))


def _label(data: dict[str, Any], lang: str) -> str:
    """A batch's source: the sheet's file name, or the bulk action's name in ``lang``."""
    label = str(data.get("label", ""))
    if data.get("kind") == "action":
        action = next((a for a in merchant_actions() if a.code == label), None)
        if action is not None:
            return action.label_for(lang)
    return label


def home_page(client: ShopClient, language: str = "en") -> SafeHtml:
    """Export, and the installation's recent batches, newest first."""
    lang = lang_of(language)
    w = _WORDS[lang]
    records = client.records.list(BATCHES, limit=200)
    rows = sorted(records, key=lambda r: str(r.data.get("created_at", "")), reverse=True)[:50]
    body = "".join(
        f'<tr><td><a href="{base_of(client)}/batches/{escape(r.key)}">{escape(r.key)}</a></td>'
        f"<td>{escape(w.get(str(r.data.get('kind')), ''))}</td>"
        f"<td>{escape(_label(r.data, lang))}</td>"
        f"<td>{escape(_status(w, r.data.get('status', '')))}</td></tr>"
        for r in rows
    )
    table = (
        f"<table><thead><tr><th>#</th><th>{w['kind']}</th><th>{w['label']}</th>"
        f"<th>{w['status']}</th></tr></thead><tbody>{body}</tbody></table>"
        if rows
        else f"<p>{escape(w['none'])}</p>"
    )
    return SafeHtml(
        html=f"<p>{escape(w['intro'])}</p><h2>{escape(w['batches'])}</h2>{table}",
        forms=(EXPORT_FORM, REIMPORT_FORM),
    )


def _started(client: ShopClient, code: str, params: dict[str, Any], language: str) -> SafeHtml:
    w = _WORDS[lang_of(language)]
    job = client.jobs.start(code, params, language=language)
    return SafeHtml(
        html=f"<p>{escape(w['started'].format(id=job.id))} "
        f'<a href="{base_of(client)}/jobs/{job.id}">{escape(w["see_job"])}</a></p>'
    )


def export_page(client: ShopClient, params: dict[str, Any], language: str = "en") -> SafeHtml:
    """Start an export of the products the form chose."""
    wanted = {k: params[k] for k in ("format", "status", "title_contains") if params.get(k)}
    return _started(client, "export", wanted, language)


def reimport_page(client: ShopClient, params: dict[str, Any], language: str = "en") -> SafeHtml:
    """Start the preview of an uploaded sheet (``file_id``)."""
    return _started(client, "preview", {"file_id": int(params["file_id"])}, language)


#: The host's route (``/console/shops/<id>/service-jobs/<job>/...``) for each file word.
_FILE_LINKS = {"download": "result", "report": "report"}


def job_page(client: ShopClient, path_params: dict[str, Any], language: str = "en") -> SafeHtml:
    """A job's state and counts, with its result and report to download."""
    lang = lang_of(language)
    w = _WORDS[lang]
    job = client.jobs.get(int(path_params["job"]))
    counts = ", ".join(f"{escape(k)}: {n}" for k, n in sorted(job.counts.items()))
    parts = [f"<p>{escape(w['job'].format(id=job.id, status=job.status))}</p><p>{counts}</p>"]
    for file_id, word in ((job.result_file_id, "download"), (job.report_file_id, "report")):
        if not file_id:
            continue
        try:
            url = client.files.link(file_id).url
        except ScopeDenied:  # the host serves it to a member who may see it
            url = f"/console/shops/{client.shop_id}/service-jobs/{job.id}/{_FILE_LINKS[word]}"
        parts.append(f'<p><a href="{escape(url)}">{escape(w[word])}</a></p>')
    if job.status == "succeeded" and header(client, f"s{job.id}") is not None:
        parts.append(
            f'<p><a href="{base_of(client)}/batches/s{job.id}">{escape(w["preview"])}</a></p>'
        )
    return SafeHtml(html="".join(parts))


def batch_page(client: ShopClient, path_params: dict[str, Any], language: str = "en") -> SafeHtml:
    """One batch: only the changed products and fields, before -> after, each result, and
    Apply (while previewed) or Undo (for a day after applying)."""
    lang = lang_of(language)
    w = _WORDS[lang]
    batch = str(path_params.get("batch", ""))
    data = header(client, batch)
    if data is None:
        return SafeHtml(html=f'<p><a href="{base_of(client)}">{escape(w["back"])}</a></p>')
    lines: list[str] = []
    for _key, items in batch_parts(client, batch):
        for item in items:
            if len(lines) >= 2000:
                break
            field = str(item.get("field"))
            where = f" · SKU {item['sku_id']}" if item.get("sku_id") is not None else ""
            result = "✓" if item.get("done") else escape(str(item.get("error", "")))
            if item.get("undone"):
                result = "↶"
            lines.append(
                f"<tr><td>#{escape(str(item.get('product_id')))}{escape(where)}</td>"
                f"<td>{escape(column_title(field, lang))}</td>"
                f"<td>{escape(_shown(field, item.get('before')))}</td>"
                f"<td><strong>{escape(_shown(field, item.get('after')))}</strong></td>"
                f"<td>{result}</td></tr>"
            )
    table = (
        f"<table><thead><tr><th>{w['product']}</th><th>{w['field']}</th><th>{w['before']}</th>"
        f"<th>{w['after']}</th><th>{w['result']}</th></tr></thead>"
        f"<tbody>{''.join(lines)}</tbody></table>"
        if lines
        else f"<p>{escape(w['no_changes'])}</p>"
    )
    forms: tuple[PageForm, ...] = ()
    if data.get("status") == "previewed" and lines:
        forms = (PageForm(path=f"/batches/{batch}/apply", label="Apply", label_zh_CN="应用"),)
    elif undo_refusal(data, now_utc()) is None:
        forms = (
            PageForm(path=f"/batches/{batch}/undo", label="Undo", label_zh_CN="撤销", danger=True),
        )
    return SafeHtml(
        html=f"<h2>{escape(_label(data, lang) or batch)}</h2>"
        f"<p>{escape(w['status'])}: {escape(_status(w, data.get('status', '')))}</p>{table}"
        f'<p><a href="{base_of(client)}">{escape(w["back"])}</a></p>',
        forms=forms,
    )


def apply_page(client: ShopClient, path_params: dict[str, Any], language: str = "en") -> SafeHtml:
    """Start applying the batch."""
    return _started(client, "apply", {"batch": str(path_params["batch"])}, language)


def undo_page(client: ShopClient, path_params: dict[str, Any], language: str = "en") -> SafeHtml:
    """Start undoing the batch."""
    return _started(client, "undo", {"batch": str(path_params["batch"])}, language)


def routes() -> list[PluginRoute]:
    """The plugin's pages."""
    read, write = "products:read", "products:write"
    return [
        PluginRoute(path="/", endpoint=home_page, title="Batch products", scope=read),
        PluginRoute(path="/export", endpoint=export_page, methods=("POST",), scope=write),
        PluginRoute(path="/reimport", endpoint=reimport_page, methods=("POST",), scope=write),
        PluginRoute(path="/jobs/{job:int}", endpoint=job_page, title="Job", scope=read),
        PluginRoute(path="/batches/{batch}", endpoint=batch_page, title="Batch", scope=read),
        PluginRoute(
            path="/batches/{batch}/apply", endpoint=apply_page, methods=("POST",), scope=write
        ),
        PluginRoute(
            path="/batches/{batch}/undo", endpoint=undo_page, methods=("POST",), scope=write
        ),
    ]
