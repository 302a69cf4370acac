"""The plugin's pages in the console: recent batches, and one batch's changes before -> after.

Pages return :class:`sdk.SafeHtml`; the host sanitizes it and frames it in the console.
Text is escaped here, since titles and cell values come from merchants' files.
"""

from __future__ import annotations

from html import escape
from typing import Any

from plugins.batch_products.batches import BATCHES, batch_parts, header
from plugins.batch_products.messages import column_title
from sdk.client import ShopClient
from sdk.models import PluginRoute, SafeHtml

_WORDS = {
    "en": {
        "batches": "Recent batches",
        "none": "No batches yet: export the catalog, edit it, and re-import it, or run a "
        "bulk action on the products list.",
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
        "undo_note": "An applied batch can be undone for a day.",
    },
    "zh_CN": {
        "batches": "最近的批次",
        "none": "还没有批次：导出商品、编辑后重新导入，或在商品列表中使用批量操作。",  # noqa: RUF001
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
        "undo_note": "已应用的批次可在一天内撤销。",
    },
}


def _lang(params: dict[str, Any]) -> str:
    return "zh_CN" if str(params.get("lang", "")).replace("-", "_") == "zh_CN" else "en"


def _shown(field: str, value: Any) -> str:
    if value is None:
        return "-"
    if field == "price" and isinstance(value, int):
        return f"¥{value / 100:.2f}"
    return str(value)


def batches_page(client: ShopClient, params: dict[str, Any]) -> SafeHtml:
    """The installation's recent batches, newest first."""
    w = _WORDS[_lang(params)]
    records = client.records.list(BATCHES, limit=200)
    rows = sorted(records, key=lambda r: str(r.data.get("created_at", "")), reverse=True)[:50]
    if not rows:
        return SafeHtml(html=f"<p>{escape(w['none'])}</p>")
    body = "".join(
        f'<tr><td><a href="batches/{escape(r.key)}">{escape(r.key)}</a></td>'
        f"<td>{escape(w.get(str(r.data.get('kind')), ''))}</td>"
        f"<td>{escape(str(r.data.get('label', '')))}</td>"
        f"<td>{escape(str(r.data.get('status', '')))}</td>"
        f"<td>{escape(str(r.data.get('changes', '')))}</td></tr>"
        for r in rows
    )
    return SafeHtml(
        html=f"<h2>{escape(w['batches'])}</h2><p>{escape(w['undo_note'])}</p><table><thead><tr>"
        f"<th>#</th><th>{w['kind']}</th><th>{w['label']}</th><th>{w['status']}</th>"
        f"<th>{w['changes']}</th></tr></thead><tbody>{body}</tbody></table>"
    )


def batch_page(client: ShopClient, params: dict[str, Any], path_params: dict[str, Any]) -> SafeHtml:
    """One batch: only the changed products and fields, before -> after, and each result."""
    lang = _lang(params)
    w = _WORDS[lang]
    batch = str(path_params.get("batch", ""))
    data = header(client, batch)
    if data is None:
        return SafeHtml(html="<p>-</p>")
    lines = []
    for _key, items in batch_parts(client, batch):
        for item in items[:1000]:
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
    return SafeHtml(
        html=f"<h2>{escape(str(data.get('label', batch)))}</h2>"
        f"<p>{escape(w['status'])}: {escape(str(data.get('status', '')))}</p>"
        f"<table><thead><tr><th>{w['product']}</th><th>{w['field']}</th><th>{w['before']}</th>"
        f"<th>{w['after']}</th><th>{w['result']}</th></tr></thead>"
        f"<tbody>{''.join(lines)}</tbody></table>"
    )


def routes() -> list[PluginRoute]:
    """The plugin's pages."""
    return [
        PluginRoute(path="/", endpoint=batches_page, title="Batches", scope="products:read"),
        PluginRoute(
            path="/batches/{batch}", endpoint=batch_page, title="Batch", scope="products:read"
        ),
    ]
