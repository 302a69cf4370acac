"""The channel rules in the console: the form fields (zh-CN and en), reading them back
into :class:`~plugins.catalog_sync.fields.FieldRules`, and the rules in words.

A host form cannot be filled with values, so each rule is a select whose first option is
the value in force (:func:`rules_fields`): a channel's form sent untouched keeps its rules,
and the connect form's, the sync's first behaviour. A blank markup or category keeps the
one in force.
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

_DEFAULT_FIELDS: tuple[ActionField, ...] = (
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


def _current(rules: FieldRules) -> dict[str, str]:
    """Each select's value for ``rules``."""
    values = {
        name: rules.winner(field) if rules.follows(field) else "off"
        for name, field, _, _ in _FOLLOWED
    }
    return {
        **values,
        "direction": rules.direction,
        "f_stock": "on" if rules.follows("stock") else "off",
        "markup_kind": rules.markup.kind,
    }


def rules_fields(rules: FieldRules | None = None) -> tuple[ActionField, ...]:
    """The rule fields, each select's value in ``rules`` first (the defaults' without)."""
    if rules is None:
        return _DEFAULT_FIELDS
    current = _current(rules)
    fields = []
    for spec in _DEFAULT_FIELDS:
        chosen = current.get(spec.name)
        if spec.kind == "select" and chosen is not None:
            options = sorted(spec.options, key=lambda option: option[0] != chosen)
            spec = spec.model_copy(update={"options": tuple(options)})
        fields.append(spec)
    return tuple(fields)


#: The rule fields with the defaults first (the connect form's).
RULE_FIELDS = _DEFAULT_FIELDS


class RulesInvalid(ValueError):
    """A rule's value is not one the form offers (the message names the field)."""


def _decimal(text: str, name: str) -> Decimal:
    try:
        return Decimal(text or "0")
    except InvalidOperation:
        raise RulesInvalid(f"{name}: not a number") from None


def rules_from(params: dict[str, Any], current: FieldRules | None = None) -> FieldRules:
    """The rules a sent form says (each select's default when it is missing); a blank
    markup value or category keeps ``current``'s."""
    current = current or FieldRules()
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
    typed = str(params.get("markup_value") or "").strip()
    if not typed and kind == current.markup.kind:
        value = current.markup.value
    else:
        value = _decimal(typed, "markup_value")
        if kind == "fixed":  # the form says yuan; the rule keeps fen
            value = (value * 100).quantize(Decimal(1))
    category = str(params.get("import_category_id") or "").strip()
    if not category and current.import_category_id is not None:
        category = str(current.import_category_id)
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
