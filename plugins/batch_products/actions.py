"""Bulk actions on the products a merchant selects in the console: price by rule, stock set
or add, list, delist, move category, delete.

Each is a merchant action (``register_merchant_actions``): the console asks for the action's
fields, then a job calls ``run`` once per selected product with the values, showing
progress and each row's result. Every row keeps its before-values in the batch
``a<job id>`` (see :mod:`plugins.batch_products.batches`), so the whole run can be undone
within a day from the plugin's batches page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from plugins.batch_products.batches import BATCHES, CHANGES, now_utc, write_value
from plugins.batch_products.diff import Change
from plugins.batch_products.messages import reason_text
from plugins.batch_products.rules import PriceRule, RuleRefused, StockRule
from sdk.client import ShopClient
from sdk.models import ActionField, MerchantAction, Product

Planner = Callable[[Product, Mapping[str, Any]], list[Change]]


def _price(product: Product, params: Mapping[str, Any]) -> list[Change]:
    rule = PriceRule.parse(
        str(params.get("mode", "")), params.get("value", ""), params.get("round_9", "")
    )
    return [
        Change(product.id, "price", sku.price_fen, rule.apply(sku.price_fen or 0), sku.id)
        for sku in product.skus
    ]


def _stock(product: Product, params: Mapping[str, Any]) -> list[Change]:
    rule = StockRule.parse(str(params.get("mode", "")), params.get("value", ""))
    return [
        Change(product.id, "stock", sku.stock, rule.apply(sku.stock or 0), sku.id)
        for sku in product.skus
    ]


def _status(status: str) -> Planner:
    def plan(product: Product, params: Mapping[str, Any]) -> list[Change]:
        return [Change(product.id, "status", product.status, status)]

    return plan


def _category(product: Product, params: Mapping[str, Any]) -> list[Change]:
    raw = str(params.get("category_id", "")).strip()
    if not raw.isdigit():
        raise RuleRefused("not_a_whole_number")
    return [Change(product.id, "category_id", product.category_id, int(raw))]


def _delete(product: Product, params: Mapping[str, Any]) -> list[Change]:
    return [Change(product.id, "deleted", False, True)]


PLANNERS: dict[str, Planner] = {
    "price": _price,
    "stock": _stock,
    "list": _status("listed"),
    "delist": _status("delisted"),
    "category": _category,
    "delete": _delete,
}


def run_bulk(
    code: str,
    *,
    item_id: int,
    client: ShopClient,
    params: Mapping[str, Any] | None = None,
    job_id: int | None = None,
    language: str = "en",
) -> str:
    """Run bulk action ``code`` on product ``item_id``: plan, keep the before-values, write.
    Returns what changed, in words; raises with the reason when the row is refused."""
    lang = "zh_CN" if language.replace("-", "_").lower() == "zh_cn" else "en"
    product = client.products.get(item_id)
    try:
        changes = [c for c in PLANNERS[code](product, params or {}) if c.before != c.after]
    except RuleRefused as refused:
        raise ValueError(reason_text(refused.code, lang)) from refused
    if not changes:
        return reason_text("unchanged", lang)
    batch = f"a{job_id}" if job_id is not None else None
    done: list[dict[str, Any]] = []
    try:
        for change in changes:
            write_value(client, change, change.after)
            done.append({**change.to_dict(), "done": True})
    finally:
        if batch is not None and done:
            client.records.put(
                BATCHES,
                batch,
                {
                    "kind": "action",
                    "label": code,
                    "status": "applied",
                    "created_at": now_utc().isoformat(),
                    "applied_at": now_utc().isoformat(),
                },
                if_absent=True,
            )
            client.records.put(CHANGES, f"{batch}/{item_id:012d}", {"changes": done})
    return "; ".join(_describe(c) for c in changes)


def _describe(change: Change) -> str:
    def shown(value: Any) -> str:
        if change.field == "price" and isinstance(value, int):
            return f"{value / 100:.2f}"
        return str(value)

    where = f"SKU {change.sku_id} " if change.sku_id is not None else ""
    return f"{where}{change.field}: {shown(change.before)} -> {shown(change.after)}"


def _runner(code: str) -> Callable[..., str]:
    def run(
        item_id: int,
        client: ShopClient,
        settings: Any = None,
        params: Mapping[str, Any] | None = None,
        job_id: int | None = None,
        language: str = "en",
    ) -> str:
        return run_bulk(
            code, item_id=item_id, client=client, params=params, job_id=job_id, language=language
        )

    return run


def _choice(name: str, label: str, zh: str, options: list[tuple[str, str, str]]) -> ActionField:
    return ActionField(
        name=name,
        label=label,
        label_zh_CN=zh,
        kind="select",
        options=tuple((value, en, zh_text) for value, en, zh_text in options),
    )


def merchant_actions() -> list[MerchantAction]:
    """The bulk actions, with the fields each asks for."""
    value = ActionField(name="value", label="Value", label_zh_CN="数值", kind="number")
    write = "products:write"
    return [
        MerchantAction(
            code="price",
            label="Change prices",
            label_zh_CN="批量改价",
            area="products",
            scope=write,
            run=_runner("price"),
            fields=(
                _choice(
                    "mode",
                    "How",
                    "方式",
                    [
                        ("set", "Set to (yuan)", "设为（元）"),  # noqa: RUF001
                        ("percent", "Raise or cut by %", "按百分比加减"),
                        ("add", "Raise or cut by yuan", "按金额加减（元）"),  # noqa: RUF001
                    ],
                ),
                value,
                ActionField(
                    name="round_9", label="Round to .9", label_zh_CN="尾数取.9", kind="checkbox"
                ),
            ),
        ),
        MerchantAction(
            code="stock",
            label="Change stock",
            label_zh_CN="批量改库存",
            area="products",
            scope=write,
            run=_runner("stock"),
            fields=(
                _choice("mode", "How", "方式", [("set", "Set to", "设为"), ("add", "Add", "增加")]),
                value,
            ),
        ),
        MerchantAction(
            code="list",
            label="List",
            label_zh_CN="批量上架",
            area="products",
            scope=write,
            run=_runner("list"),
        ),
        MerchantAction(
            code="delist",
            label="Delist",
            label_zh_CN="批量下架",
            area="products",
            scope=write,
            run=_runner("delist"),
        ),
        MerchantAction(
            code="category",
            label="Move to category",
            label_zh_CN="批量移动类目",
            area="products",
            scope=write,
            run=_runner("category"),
            fields=(
                ActionField(
                    name="category_id", label="Category ID", label_zh_CN="类目ID", kind="number"
                ),
            ),
        ),
        MerchantAction(
            code="delete",
            label="Delete",
            label_zh_CN="批量删除",
            area="products",
            scope=write,
            run=_runner("delete"),
            fields=(
                ActionField(
                    name="confirm",
                    label="Yes, delete them (this cannot be undone)",
                    label_zh_CN="确认删除（无法撤销）",  # noqa: RUF001 (Chinese punctuation)
                    kind="checkbox",
                    required=True,
                ),
            ),
        ),
    ]
