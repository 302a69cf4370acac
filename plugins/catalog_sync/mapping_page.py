"""The mapping page: a channel's items that did not match by SKU code, each with a choice
of this shop's SKU, "create it here" or "ignore"; saving maps it (its code there may
differ from the SKU code here), and stock then moves on it like on any mapped SKU.

The other conflicts of the latest run (codes held twice there, fields the rules could
not settle, mapped items gone there) are listed under it for the merchant to act on.
"""

from __future__ import annotations

import contextlib
from html import escape
from typing import Any

from plugins.catalog_sync.conflicts import Conflict, ignore, ignored, read_conflicts
from plugins.catalog_sync.importing import SkuRef, bring_here, link, shop_skus
from plugins.catalog_sync.mapping import MappedItem, all_mapped
from plugins.catalog_sync.review import listed_by_code
from plugins.catalog_sync.stock import ChannelBusy
from plugins.catalog_sync.sync import ChannelSync
from sdk.channels import ChannelError, ChannelItem
from sdk.models import ActionField, PageForm, SafeHtml

#: The most unmatched items one page offers to map (the rest after these are saved).
MAX_ITEMS = 50
#: The most of this shop's SKUs one choice lists.
MAX_CHOICES = 300

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Mapping: {name}",
        "intro": "These items on {name} did not match any SKU code of this shop. Choose "
        "the SKU each one is, create it here, or ignore it.",
        "none": "Every item there is mapped or ignored.",
        "code": "Code there",
        "name": "Title there",
        "stock": "Stock there",
        "others": "Other items in conflict",
        "kind": "Problem",
        "detail": "Detail",
        "unmatched": "not matched",
        "duplicate": "code used twice there",
        "unsettled": "fields differ",
        "missing": "gone there",
        "back": "Back to the channels",
        "mapped": "{code} is now mapped to {sku}.",
        "created": "{code} was created here and mapped.",
        "ignored": "{code} is ignored.",
        "not_created": "{code} could not be created here: see the channel's problems "
        "(a category for products brought here is set in the channel rules).",
        "gone": "{name} no longer lists {code}.",
        "down": "{name} did not answer: {reason}",
        "unknown": "There is no channel {name}.",
        "more": "{n} more after these.",
    },
    "zh_CN": {
        "title": "商品关联：{name}",  # noqa: RUF001
        "intro": "{name} 上的这些商品没有按 SKU 编码匹配到本店商品。请为每个商品选择对应的 SKU、"
        "在本店创建，或忽略。",  # noqa: RUF001
        "none": "对方的商品都已关联或忽略。",
        "code": "对方编码",
        "name": "对方标题",
        "stock": "对方库存",
        "others": "其他冲突商品",
        "kind": "问题",
        "detail": "说明",
        "unmatched": "未匹配",
        "duplicate": "对方编码重复",
        "unsettled": "字段不一致",
        "missing": "对方已下架",
        "back": "返回渠道",
        "mapped": "{code} 已关联到 {sku}。",
        "created": "{code} 已在本店创建并关联。",
        "ignored": "已忽略 {code}。",
        "not_created": "{code} 未能在本店创建：请查看渠道问题（导入商品的类目在同步规则中设置）。",  # noqa: RUF001
        "gone": "{name} 上已没有 {code}。",
        "down": "{name} 没有响应：{reason}",  # noqa: RUF001
        "unknown": "没有名为 {name} 的渠道。",
        "more": "还有 {n} 个。",
    },
}

CREATE, IGNORE = "create", "ignore"


def code_token(channel_code: str) -> str:
    """The channel code in a form path (hex: any code fits the host's path pattern)."""
    return channel_code.encode().hex()


def code_of(token: str) -> str:
    """The channel code back from :func:`code_token` (``""`` for a bad token)."""
    try:
        return bytes.fromhex(token).decode()
    except ValueError:
        return ""


def unmatched(sync: ChannelSync) -> list[ChannelItem]:
    """The channel's items mapped to nothing here and not ignored (codes held twice
    there excluded: they map nowhere until fixed there)."""
    listed, _ = listed_by_code(list(sync.store.list_items()))
    taken = {m.channel_code for m in all_mapped(sync.client, sync.name)}
    skipped = ignored(sync.client, sync.name)
    return [i for c, i in sorted(listed.items()) if c not in taken and c not in skipped]


def _choices(item: ChannelItem, free: list[SkuRef]) -> tuple[tuple[str, str, str], ...]:
    """This shop's free SKUs, the likeliest first (same code, then same title)."""
    ranked = sorted(free, key=lambda s: (s.code != item.sku_code, s.title != item.title, s.code))
    options = [(f"sku:{s.code}", f"{s.code} · {s.title}", f"{s.code} · {s.title}") for s in ranked]
    return (
        *options[:MAX_CHOICES],
        (CREATE, "Create it here", "在本店创建"),
        (IGNORE, "Ignore it", "忽略"),
    )


def _form(name: str, item: ChannelItem, free: list[SkuRef]) -> PageForm:
    return PageForm(
        path=f"/channels/{name}/map/{code_token(item.sku_code)}",
        label=f"Save {item.sku_code}",
        label_zh_CN=f"保存 {item.sku_code}",
        fields=(
            ActionField(
                name="choice",
                label=f"{item.sku_code} is",
                label_zh_CN=f"{item.sku_code} 对应",
                kind="select",
                options=_choices(item, free),
            ),
        ),
    )


def _others_html(w: dict[str, str], conflicts: list[Conflict]) -> str:
    others = [c for c in conflicts if c.kind != "unmatched"]
    if not others:
        return ""
    rows = "".join(
        f"<tr><td>{escape(c.channel_code)}</td><td>{escape(w[c.kind])}</td>"
        f"<td>{escape(c.detail)}</td></tr>"
        for c in others
    )
    return (
        f"<h3>{escape(w['others'])}</h3><table><thead><tr><th>{escape(w['code'])}</th>"
        f"<th>{escape(w['kind'])}</th><th>{escape(w['detail'])}</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def mapping_html(sync: ChannelSync, w: dict[str, str], home: str, notice: str = "") -> SafeHtml:
    """The page for one channel (its unmatched items read from the channel now)."""
    top = f"<p><strong>{escape(notice)}</strong></p>" if notice else ""
    head = f"<h2>{escape(w['title'].format(name=sync.name))}</h2>"
    back = f'<p><a href="{home}">{escape(w["back"])}</a></p>'
    try:
        items = unmatched(sync)
    except ChannelError as exc:
        down = escape(w["down"].format(name=sync.name, reason=str(exc)))
        return SafeHtml(html=f"{top}{head}<p>{down}</p>{back}")
    taken = {m.sku_code for m in all_mapped(sync.client, sync.name)}
    free = [s for code, s in sorted(shop_skus(sync.client).items()) if code not in taken]
    shown = items[:MAX_ITEMS]
    rows = "".join(
        f"<tr><td>{escape(i.sku_code)}</td><td>{escape(i.title)}</td><td>{i.stock}</td></tr>"
        for i in shown
    )
    body = (
        f"<p>{escape(w['intro'].format(name=sync.name))}</p>"
        f"<table><thead><tr><th>{escape(w['code'])}</th><th>{escape(w['name'])}</th>"
        f"<th>{escape(w['stock'])}</th></tr></thead><tbody>{rows}</tbody></table>"
        if shown
        else f"<p>{escape(w['none'])}</p>"
    )
    if len(items) > MAX_ITEMS:
        body += f"<p>{escape(w['more'].format(n=len(items) - MAX_ITEMS))}</p>"
    body += _others_html(w, read_conflicts(sync.client, sync.name))
    forms = tuple(_form(sync.name, i, free) for i in shown)
    return SafeHtml(html=f"{top}{head}{body}{back}", forms=forms)


def map_choice(sync: ChannelSync, channel_code: str, choice: str, w: dict[str, str]) -> str:
    """Carry out the merchant's choice for one unmatched item; the notice to show.
    Mapping by hand adopts the channel's units when it brings products here and takes
    them back when it only publishes (this shop's stock is then the whole truth); the
    channel then gets its allocation."""
    found = next((i for i in unmatched(sync) if i.sku_code == channel_code), None)
    if found is None:
        return w["gone"].format(name=sync.name, code=channel_code)
    rules = sync.config.rules
    if choice == IGNORE:
        ignore(sync.client, sync.name, channel_code)
        return w["ignored"].format(code=channel_code)
    if choice == CREATE:
        made = bring_here(sync.client, sync.store, sync.name, rules, [found])
        if not made:
            return w["not_created"].format(code=channel_code)
        item, notice = made[0], w["created"].format(code=channel_code)
    else:
        ref = shop_skus(sync.client).get(choice.removeprefix("sku:"))
        if ref is None:
            return w["gone"].format(name="", code=choice.removeprefix("sku:"))
        item = link(
            sync.client,
            sync.store,
            sync.name,
            MappedItem(
                sku_code=ref.code,
                product_id=ref.product_id,
                sku_id=ref.sku_id,
                channel_code=channel_code,
                external_id=found.external_id,
            ),
            adopt_stock=rules.brings_here,
        )
        notice = w["mapped"].format(code=channel_code, sku=ref.code)
    with contextlib.suppress(ChannelBusy):
        sync.rebalance(item)
    return notice


def choice_of(params: dict[str, Any]) -> str:
    """The sent choice."""
    return str(params.get("choice") or "").strip()
