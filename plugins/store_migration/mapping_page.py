"""The category mapping step as a page: the file's categories, where each goes, and a
form to send an unmatched one to a category of Tanzi's tree.

The import preview links here (the importers' ``mapping_route``) as
``/mapping/<format>/<file id>``. A choice is kept with the service's records and used by
every later preview and import (:func:`~plugins.store_migration.migrate.choose_category`).
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from plugins.store_migration.categories import CategoryMatcher, chosen_categories
from plugins.store_migration.importers import BY_CODE, MAPPING_ROUTE
from plugins.store_migration.messages import reason_text
from plugins.store_migration.migrate import category_overview, choose_category
from plugins.store_migration.reading import FileRefused
from sdk.client import ShopClient
from sdk.errors import InvalidRequest
from sdk.models import ActionField, PageForm, PluginRoute, SafeHtml
from sdk.scopes import Scope

_WORDS = {
    "en": {
        "intro": "Each category of the file and where its products go in this shop. "
        "Choose a category for the ones that match none; the choice is kept for later "
        "imports too.",
        "source": "In the file",
        "target": "In this shop",
        "products": "Products",
        "none": "not matched: choose one below",
        "all": "Every category of the file has a place.",
        "saved": "Saved: “{path}” goes to {name}.",
        "back": "Back to the preview",
        "path": "Category in the file",
        "category": "Category in this shop",
        "save": "Save the mapping",
    },
    "zh-CN": {
        "intro": "文件中的每个类目，以及其商品在本店进入的类目。"  # noqa: RUF001
        "请为没有匹配的类目选择一个；该选择也会用于以后的导入。",  # noqa: RUF001
        "source": "文件中的类目",
        "target": "本店类目",
        "products": "商品数",
        "none": "未匹配：请在下方选择",  # noqa: RUF001
        "all": "文件中的每个类目都已有去处。",
        "saved": "已保存：“{path}”进入 {name}。",  # noqa: RUF001
        "back": "返回预览",
        "path": "文件中的类目",
        "category": "本店类目",
        "save": "保存映射",
    },
}


def _words(language: str) -> dict[str, str]:
    return _WORDS["zh-CN" if language == "zh-CN" else "en"]


def mapping_page(
    client: ShopClient,
    params: Mapping[str, Any],
    path_params: Mapping[str, str],
    method: str,
    language: str = "zh-CN",
) -> SafeHtml:
    """The file's categories and the form that maps an unmatched one (POST keeps it)."""
    w = _words(language)
    fmt = BY_CODE.get(str(path_params.get("format", "")))
    file_id = str(path_params.get("file_id", ""))
    if fmt is None or not file_id.isdigit():
        raise InvalidRequest("No such format or file.", code="invalid_input")
    tree = {c.id: c.name for c in client.categories.list()}
    saved = ""
    if method == "POST":
        path = str(params.get("path", "")).strip()
        category = str(params.get("category_id", ""))
        if not path or not category.isdigit() or int(category) not in tree:
            raise InvalidRequest("Choose a category of the file and one of this shop.")
        choose_category(client, path, int(category))
        saved = w["saved"].format(path=path, name=tree[int(category)])
    matcher = CategoryMatcher(client.categories.list(), chosen_categories(client))
    with client.files.open(int(file_id)) as stream:
        try:
            overview = category_overview(stream, fmt, matcher)
        except FileRefused as exc:
            raise InvalidRequest(reason_text(exc.reason, language), code=exc.reason) from None
    rows = "".join(
        f"<tr><td>{escape(path or '—')}</td>"
        f"<td>{escape(tree.get(cid, '') if cid is not None else w['none'])}</td>"
        f"<td>{n}</td></tr>"
        for path, cid, n in overview
    )
    unmatched = [path for path, cid, _ in overview if cid is None and path]
    shop_base = f"/console/shops/{client.shop_id}/import/files/{file_id}"
    html = (
        (f'<p role="status"><strong>{escape(saved)}</strong></p>' if saved else "")
        + f"<p>{escape(w['intro'])}</p>"
        + f"<table><thead><tr><th>{w['source']}</th><th>{w['target']}</th>"
        f"<th>{w['products']}</th></tr></thead><tbody>{rows}</tbody></table>"
        + ("" if unmatched else f"<p>{escape(w['all'])}</p>")
        + f'<p><a href="{shop_base}?format=store_migration:{fmt.code}">{escape(w["back"])}</a></p>'
    )
    if not unmatched:
        return SafeHtml(html=html)
    form = PageForm(
        path=f"{MAPPING_ROUTE}/{fmt.code}/{file_id}",
        label=_WORDS["en"]["save"],
        label_zh_CN=_WORDS["zh-CN"]["save"],
        fields=(
            ActionField(
                name="path",
                label=_WORDS["en"]["path"],
                label_zh_CN=_WORDS["zh-CN"]["path"],
                kind="select",
                options=tuple((p, p, p) for p in unmatched),
                required=True,
            ),
            ActionField(
                name="category_id",
                label=_WORDS["en"]["category"],
                label_zh_CN=_WORDS["zh-CN"]["category"],
                kind="select",
                options=tuple((str(cid), name, name) for cid, name in tree.items()),
                required=True,
            ),
        ),
    )
    return SafeHtml(html=html, forms=(form,))


def mapping_route() -> PluginRoute:
    """The mapping step's route, for ``register_routes``."""
    return PluginRoute(
        path=MAPPING_ROUTE + "/{format}/{file_id}",
        endpoint=mapping_page,
        methods=("GET", "POST"),
        name="mapping",
        title="Category mapping",
        scope=Scope.products_write.value,
    )
