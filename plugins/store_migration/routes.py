"""The service's own endpoints, under ``/apps/store_migration/shops/<shop id>``.

- ``POST /template`` with ``kind`` (csv or xlsx) and ``lang`` (zh-CN or en): starts the
  ``template`` job, whose result file is Tanzi's import template (the console offers a
  job's result for download; a link of the plugin's own would need the shop scopes).
- ``GET /categories?file_id=&format=``: the mapping step: each category of the uploaded
  file, where it lands on Tanzi's tree (``null``: the merchant must choose) and how many
  products it holds. ``POST /categories`` with ``path`` and ``category_id`` keeps a choice.
- ``POST /import`` with ``file_id``, ``format`` and ``dry_run``: starts the import job.

Each answers JSON; a bad parameter is an :class:`~sdk.errors.InvalidRequest` naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plugins.store_migration.categories import CategoryMatcher
from plugins.store_migration.importers import BY_CODE
from plugins.store_migration.mapping_page import mapping_route
from plugins.store_migration.messages import reason_text
from plugins.store_migration.migrate import (
    JOB,
    category_overview,
    choose_category,
    chosen_categories,
)
from plugins.store_migration.reading import FileRefused
from plugins.store_migration.template import template_csv, template_xlsx
from sdk.client import ShopClient
from sdk.errors import InvalidRequest
from sdk.jobs import JobContext, JobKind
from sdk.models import PluginRoute
from sdk.scopes import Scope

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_JOB = "template"


def _int(params: Mapping[str, Any], name: str) -> int:
    try:
        return int(str(params.get(name, "")))
    except ValueError:
        raise InvalidRequest(f"'{name}' must be a whole number.", code="invalid_input") from None


def _format(params: Mapping[str, Any]) -> str:
    code = str(params.get("format", ""))
    if code not in BY_CODE:
        raise InvalidRequest(f"'format' must be one of {', '.join(BY_CODE)}.", code="invalid_input")
    return code


def download_template(client: ShopClient, params: Mapping[str, Any]) -> dict[str, Any]:
    """Start the ``template`` job: its result is the template file, offered for download
    where the console shows the shop's jobs."""
    lang = "zh-CN" if str(params.get("lang", "en")).startswith("zh") else "en"
    kind = "xlsx" if params.get("kind", "csv") == "xlsx" else "csv"
    return client.jobs.start(TEMPLATE_JOB, {"kind": kind, "lang": lang}).model_dump(mode="json")


def write_template(ctx: JobContext) -> None:
    """The ``template`` job: write the template in the asked kind and language as the
    job's result file (kept a day)."""
    lang = str(ctx.params.get("lang", "en"))
    if ctx.params.get("kind") == "xlsx":
        data, kind, name = template_xlsx(lang), XLSX_TYPE, "tanzi-products.xlsx"
    else:
        data, kind, name = template_csv(lang), "text/csv", "tanzi-products.csv"
    info = ctx.client.files.write(name, [data], content_type=kind, retention_days=1)
    ctx.set_result(info.id, "导入模板" if lang == "zh-CN" else "Import template")


def template_job_kind() -> JobKind:
    """The job kind that writes the import template."""
    return JobKind(
        code=TEMPLATE_JOB, name="Import template", run=write_template,
        scope=Scope.products_write.value,
    )  # fmt: skip


def categories(client: ShopClient, params: Mapping[str, Any], method: str) -> dict[str, Any]:
    """The mapping step: read the file's categories (GET) or keep a choice (POST)."""
    if method == "POST":
        path = str(params.get("path", "")).strip()
        if not path:
            raise InvalidRequest("'path' is required.", code="invalid_input")
        category_id = _int(params, "category_id")
        if all(c.id != category_id for c in client.categories.list()):
            raise InvalidRequest("'category_id' is not a category.", code="invalid_input")
        choose_category(client, path, category_id)
        return {"path": path, "category_id": category_id}
    fmt = BY_CODE[_format(params)]
    matcher = CategoryMatcher(client.categories.list(), chosen_categories(client))
    with client.files.open(_int(params, "file_id")) as stream:
        try:
            overview = category_overview(stream, fmt, matcher)
        except FileRefused as exc:
            raise InvalidRequest(reason_text(exc.reason), code=exc.reason) from None
    return {
        "categories": [
            {"path": path, "category_id": cid, "products": n} for path, cid, n in overview
        ],
        "unmatched": sum(1 for _, cid, _ in overview if cid is None),
    }


def start_import(
    client: ShopClient, params: Mapping[str, Any], language: str = "zh-CN"
) -> dict[str, Any]:
    """Start the import job for an uploaded file, its report in the merchant's language."""
    job = client.jobs.start(
        JOB,
        {
            "file_id": _int(params, "file_id"),
            "format": _format(params),
            "dry_run": str(params.get("dry_run", "")).lower() in ("1", "true", "on"),
        },
        language=language,
    )
    return job.model_dump(mode="json")


def plugin_routes() -> list[PluginRoute]:
    """The routes :func:`~plugins.store_migration.register_routes` returns."""
    write = Scope.products_write.value
    return [
        mapping_route(),
        PluginRoute(path="/template", endpoint=download_template, methods=("POST",), name="template",
                    title="Import template", scope=write),
        PluginRoute(path="/categories", endpoint=categories, methods=("GET", "POST"),
                    name="categories", title="Category mapping", scope=write),
        PluginRoute(path="/import", endpoint=start_import, methods=("POST",), name="import",
                    title="Start an import", scope=write),
    ]  # fmt: skip
