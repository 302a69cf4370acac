"""The channel rules in the console: the form fields (zh-CN and en), reading them back
into :class:`~plugins.catalog_sync.fields.FieldRules`, and the rules in words.

A host form cannot be filled with the current values, so each field is a select whose
first option is the default: a form sent untouched keeps the sync's first behaviour.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from plugins.catalog_sync.fields import FieldRules, Markup
from sdk.models import ActionField

_FIELD_CHOICES = (
    ("here", "Follows, this shop wins", "同步，以本店为准"),  # noqa: RUF001
    ("there", "Follows, the channel wins", "同步，以渠道为准"),  # noqa: RUF001
    ("newest", "Follows, the newest wins", "同步，以最新修改为准"),  # noqa: RUF001
    ("off", "Does not follow", "不同步"),
)

#: (form field, the rules' field, English label, Chinese label)
_FOLLOWED = (
    ("f_title", "title", "Title", "标题"),
    ("f_description", "description", "Description", "描述"),
    ("f_price", "price", "Price", "价格"),
)

RULE_FIELDS: tuple[ActionField, ...] = (
    ActionField(
        name="direction",
        label="What goes where",
        label_zh_CN="同步方向",
        kind="select",
        options=(
            ("publish", "Publish this shop's products there", "把本店商品发布到渠道"),
            ("here", "Bring that store's products here", "把渠道商品导入本店"),
            ("both", "Both ways", "双向"),
        ),
    ),
    *(
        ActionField(name=name, label=en, label_zh_CN=zh, kind="select", options=_FIELD_CHOICES)
        for name, _, en, zh in _FOLLOWED
    ),
    ActionField(
        name="f_stock",
        label="Stock",
        label_zh_CN="库存",
        kind="select",
        options=(
            ("on", "Follows (the channel sells its share)", "同步（渠道按分配销售）"),  # noqa: RUF001
            ("off", "Does not follow", "不同步"),
        ),
    ),
    ActionField(
        name="markup_kind",
        label="Price there",
        label_zh_CN="渠道价格",
        kind="select",
        options=(
            ("none", "Same as here", "与本店相同"),
            ("percent", "Plus a percentage", "加价百分比"),
            ("fixed", "Plus a fixed amount (yuan)", "加固定金额（元）"),  # noqa: RUF001
        ),
    ),
    ActionField(
        name="markup_value",
        label="Markup (% or yuan)",
        label_zh_CN="加价（% 或元）",  # noqa: RUF001
        kind="number",
    ),
    ActionField(
        name="import_category_id",
        label="Category here for products brought here",
        label_zh_CN="导入商品的本店类目编号",
        kind="number",
    ),
)


class RulesInvalid(ValueError):
    """A rule's value is not one the form offers (the message names the field)."""


def _decimal(text: str, name: str) -> Decimal:
    try:
        return Decimal(text or "0")
    except InvalidOperation:
        raise RulesInvalid(f"{name}: not a number") from None


def rules_from(params: dict[str, Any]) -> FieldRules:
    """The rules a sent form says (each select's first option when it is missing)."""
    follow: list[str] = []
    winners: dict[str, str] = {}
    for name, field, _, _ in _FOLLOWED:
        choice = str(params.get(name) or "here")
        if choice != "off":
            follow.append(field)
            winners[field] = choice
    if str(params.get("f_stock") or "on") != "off":
        follow.append("stock")
    kind = str(params.get("markup_kind") or "none")
    value = _decimal(str(params.get("markup_value") or "").strip(), "markup_value")
    if kind == "fixed":
        value = (value * 100).quantize(Decimal(1))  # the form says yuan; the rule keeps fen
    category = str(params.get("import_category_id") or "").strip()
    try:
        return FieldRules.model_validate(
            {
                "direction": str(params.get("direction") or "publish"),
                "follow": follow,
                "winners": winners,
                "markup": Markup.model_validate({"kind": kind, "value": value}),
                "import_category_id": int(category) if category.isdigit() else None,
            }
        )
    except ValueError as exc:
        raise RulesInvalid(str(exc).splitlines()[0]) from None


RULE_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "publish": "publish this shop's products there",
        "here": "bring that store's products here",
        "both": "both ways",
        "w_here": "this shop wins",
        "w_there": "the channel wins",
        "w_newest": "the newest wins",
        "off": "does not follow",
        "stock_on": "follows",
        "title": "Title",
        "description": "Description",
        "price": "Price",
        "stock": "Stock",
        "markup": "price there",
        "rules": "Rules",
    },
    "zh_CN": {
        "publish": "把本店商品发布到渠道",
        "here": "把渠道商品导入本店",
        "both": "双向",
        "w_here": "以本店为准",
        "w_there": "以渠道为准",
        "w_newest": "以最新修改为准",
        "off": "不同步",
        "stock_on": "同步",
        "title": "标题",
        "description": "描述",
        "price": "价格",
        "stock": "库存",
        "markup": "渠道加价",
        "rules": "同步规则",
    },
}


def rules_text(rules: FieldRules, lang: str) -> str:
    """The rules in one line of the merchant's language (plain text, to be escaped)."""
    w = RULE_WORDS[lang]
    parts = [w[rules.direction]]
    for field in ("title", "description", "price"):
        said = w[f"w_{rules.winner(field)}"] if rules.follows(field) else w["off"]
        parts.append(f"{w[field]}: {said}")
    parts.append(f"{w['stock']}: {w['stock_on'] if rules.follows('stock') else w['off']}")
    if rules.markup.kind != "none":
        parts.append(f"{w['markup']} {rules.markup.describe()}")
    return " · ".join(parts)
