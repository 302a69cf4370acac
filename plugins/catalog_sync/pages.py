"""The merchant's page: channels with their status, connect one, publish products there,
pause, resume, sync now and reconcile (with the report of what changed and why).

Text is escaped here (channel names, reasons and titles come from people and other
platforms); the host sanitizes and frames the HTML and draws the forms.
"""

from __future__ import annotations

from html import escape
from typing import Any

from pydantic import ValidationError

from plugins.catalog_sync import records as rec
from plugins.catalog_sync.allocation import Allocation
from plugins.catalog_sync.channels import (
    ChannelConfig,
    all_channels,
    channel_config,
    open_store,
    save_channel,
)
from plugins.catalog_sync.connect import finish_connect, start_connect
from plugins.catalog_sync.jobs import ACTION_JOBS, PUBLISH, job_page, started
from plugins.catalog_sync.mapping import all_mapped
from plugins.catalog_sync.mapping_page import WORDS as MAPPING_WORDS
from plugins.catalog_sync.mapping_page import choice_of, code_of, map_choice, mapping_html
from plugins.catalog_sync.push import HOOK_PATH, on_channel_event, subscribe
from plugins.catalog_sync.reconcile import Change, ReconcileReport
from plugins.catalog_sync.rules_form import (
    RULE_FIELDS,
    RulesInvalid,
    rules_fields,
    rules_from,
    rules_text,
)
from plugins.catalog_sync.status import OversellNote, pause, read_status
from plugins.catalog_sync.sync import ChannelSync
from sdk.channels import ChannelError
from sdk.client import HostedShopClient, ShopClient
from sdk.models import ActionField, ConnectRedirect, PageForm, PluginRoute, SafeHtml

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "lang": "en",
        "intro": "Sell the same products in your other shops with one stock. This shop holds "
        "the stock; each channel gets its share, and a sale on either side moves the rest "
        "within seconds, so nothing is sold twice.",
        "none": "No channel yet: connect one below.",
        "active": "Active",
        "paused": "Paused",
        "last_sync": "Last sync",
        "never": "never",
        "lag": "{s} s ago",
        "mapped": "Items mapped",
        "conflicts": "In conflict",
        "errors": "Problems",
        "item": "SKU",
        "reason": "Reason",
        "here": "Stock here",
        "there": "Stock there",
        "state": "Status",
        "report": "Last reconciliation",
        "no_changes": "Nothing had drifted.",
        "bad": "Please check the form: {problem}",
        "unknown": "There is no channel {name}.",
        "done": "Done.",
        "connected": "Connected: {name} sells for shop #{shop} there.",
        "not_connected": "{name} was not connected: {why}",
        "oversells": "Sold beyond stock there",
        "excess": "Units short",
        "orders": "Their orders",
        "oversold_by": "sold {n} unit(s) beyond its stock there, in orders {orders}",
        "rules": "Rules",
        "see_mapping": "map them",
        "field_written": "{field} written {side}",
        "side_here": "here",
        "side_there": "there",
        "refused": "Not done: {reason}",
        "brings_here": "this channel brings products here; it publishes none.",
    },
    "zh_CN": {
        "lang": "zh_CN",
        "intro": "在你的其他店铺用同一份库存销售同样的商品。本店持有库存，每个渠道分得一部分；"  # noqa: RUF001
        "任何一边售出后，几秒内重新分配，不会超卖。",  # noqa: RUF001
        "none": "还没有渠道：请在下方连接。",  # noqa: RUF001
        "active": "同步中",
        "paused": "已暂停",
        "last_sync": "上次同步",
        "never": "从未",
        "lag": "{s} 秒前",
        "mapped": "已关联商品",
        "conflicts": "冲突",
        "errors": "问题",
        "item": "SKU",
        "reason": "原因",
        "here": "本店库存",
        "there": "对方库存",
        "state": "状态",
        "report": "最近一次对账",
        "no_changes": "没有发现偏差。",
        "bad": "请检查表单：{problem}",  # noqa: RUF001
        "unknown": "没有名为 {name} 的渠道。",
        "done": "已完成。",
        "connected": "已连接：{name} 对应对方店铺 #{shop}。",  # noqa: RUF001
        "not_connected": "{name} 未连接：{why}",  # noqa: RUF001
        "oversells": "对方超卖",
        "excess": "短缺数量",
        "orders": "对方订单",
        "oversold_by": "对方超卖 {n} 件，涉及订单 {orders}",  # noqa: RUF001
        "rules": "同步规则",
        "see_mapping": "去关联",
        "field_written": "{field} 已写入{side}",
        "side_here": "本店",
        "side_there": "渠道",
        "refused": "未完成：{reason}",  # noqa: RUF001
        "brings_here": "该渠道只把商品带到本店, 不发布本店商品。",
    },
}


#: How people typing Chinese separate ids.
FULLWIDTH_COMMA = "\uff0c"


def lang_of(language: str) -> str:
    """``zh_CN`` or ``en`` from the host's ``zh-CN`` / ``en``."""
    return "zh_CN" if language.replace("-", "_").lower() == "zh_cn" else "en"


def base_of(client: ShopClient) -> str:
    """Where this plugin's pages for the client's shop start."""
    return f"/apps/catalog_sync/shops/{client.shop_id}"


CONNECT_FORM = PageForm(
    path="/connect",
    label="Connect a channel",
    label_zh_CN="连接渠道",
    fields=(
        ActionField(name="name", label="Channel name", label_zh_CN="渠道名称", required=True),
        ActionField(
            name="kind",
            label="Platform",
            label_zh_CN="平台",
            kind="select",
            options=(
                ("tanzi", "Another Tanzi shop", "另一家摊子店铺"),
                ("oscar", "django-oscar", "django-oscar"),
            ),
        ),
        ActionField(
            name="base_url",
            label="Shop address (empty: this Tanzi)",
            label_zh_CN="店铺地址（留空：本平台）",  # noqa: RUF001
        ),
        ActionField(
            name="shop_id",
            label="Shop id there (Tanzi, with a pasted token)",
            label_zh_CN="对方摊子店铺编号（粘贴令牌时）",  # noqa: RUF001
            kind="number",
        ),
        ActionField(
            name="partner_id",
            label="Partner id (Oscar)",
            label_zh_CN="Oscar 合作方编号",
            kind="number",
        ),
        ActionField(
            name="product_class", label="Product class (Oscar)", label_zh_CN="Oscar 商品类型"
        ),
        ActionField(
            name="category_id",
            label="Category there",
            label_zh_CN="对方类目编号",
            kind="number",
        ),
        ActionField(
            name="token",
            label="Access token (other platforms; a Tanzi shop is approved by its owner)",
            label_zh_CN="访问令牌（其他平台；摊子店铺由店主授权）",  # noqa: RUF001
        ),
        ActionField(
            name="mode",
            label="Stock it may sell",
            label_zh_CN="可售库存",
            kind="select",
            options=(
                ("share", "A share (%)", "按比例（%）"),  # noqa: RUF001
                ("fixed", "A fixed number", "固定数量"),
                ("all", "All of it", "全部"),
            ),
        ),
        ActionField(name="value", label="Share or number", label_zh_CN="比例或数量", kind="number"),
        ActionField(name="buffer", label="Safety buffer", label_zh_CN="安全库存", kind="number"),
        *RULE_FIELDS,
    ),
)


def rules_form(config: ChannelConfig) -> PageForm:
    """The channel's rules form, its rules in force preselected."""
    return PageForm(
        path=f"/channels/{config.name}/rules",
        label=f"Save the rules of {config.name}",
        label_zh_CN=f"保存 {config.name} 的同步规则",
        fields=rules_fields(config.rules),
    )


PUBLISH_FORM = PageForm(
    path="/publish",
    label="Publish products",
    label_zh_CN="发布商品",
    fields=(
        ActionField(name="channel", label="Channel", label_zh_CN="渠道", required=True),
        ActionField(
            name="product_ids",
            label="Product ids (comma separated)",
            label_zh_CN="商品编号（逗号分隔）",  # noqa: RUF001
            required=True,
        ),
    ),
)


def _channel_forms(name: str) -> tuple[PageForm, ...]:
    return (
        PageForm(
            path=f"/channels/{name}/sync", label=f"Sync {name} now", label_zh_CN=f"立即同步 {name}"
        ),
        PageForm(
            path=f"/channels/{name}/reconcile",
            label=f"Reconcile {name}",
            label_zh_CN=f"对账 {name}",
        ),
        PageForm(
            path=f"/channels/{name}/resume", label=f"Resume {name}", label_zh_CN=f"恢复 {name}"
        ),
        PageForm(
            path=f"/channels/{name}/pause",
            label=f"Pause {name}",
            label_zh_CN=f"暂停 {name}",
            danger=True,
        ),
    )


def _action(w: dict[str, str], change: Change) -> str:
    """The change's action, with the field and the side written for a field."""
    if change.action == "field":
        return w["field_written"].format(field=change.field, side=w[f"side_{change.side}"])
    return change.action


def _report_html(w: dict[str, str], report: ReconcileReport | None) -> str:
    if report is None:
        return ""
    rows = "".join(
        f"<li><strong>{escape(c.sku_code)}</strong>: {escape(_action(w, c))} "
        f"{escape(str(c.before))} → {escape(str(c.after))}. {escape(c.why)}</li>"
        for c in report.changes
    )
    rows += "".join(
        f"<li><strong>{escape(o.sku_code)}</strong>: "
        + escape(w["oversold_by"].format(n=o.excess, orders=", ".join(o.order_ids)))
        + "</li>"
        for o in report.oversells
    )
    body = f"<ul>{rows}</ul>" if rows else f"<p>{escape(w['no_changes'])}</p>"
    return f"<h3>{escape(w['report'])}</h3>{body}"


def _oversells_html(w: dict[str, str], oversells: list[OversellNote]) -> str:
    """The SKUs the channel sold beyond its stock, with its orders that did."""
    if not oversells:
        return ""
    rows = "".join(
        f"<tr><td>{escape(o.sku_code)}</td><td>{o.excess}</td>"
        f"<td>{escape(', '.join(o.order_ids))}</td></tr>"
        for o in oversells
    )
    return (
        f"<h3>{w['oversells']}</h3><table><thead><tr><th>{w['item']}</th>"
        f"<th>{w['excess']}</th><th>{w['orders']}</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _where(config: ChannelConfig) -> str:
    if config.kind == "oscar":
        return f"django-oscar {config.base_url} · partner #{config.partner_id}"
    return f"{config.base_url} · #{config.shop_id}"


def _channel_stock(
    client: ShopClient, config: ChannelConfig, codes: list[str], state: str
) -> dict[str, int]:
    """What the channel may sell of each code (nothing is asked of a paused channel)."""
    if state != "active" or not codes:
        return {}
    store = open_store(hosted_client(client), config)
    try:
        return {code: store.read_stock(code) for code in codes}
    except ChannelError:
        return {}


def _channel_html(client: ShopClient, w: dict[str, str], config: ChannelConfig) -> str:
    status = read_status(client, config.name)
    lag = status.lag_s()
    state = w["active"] if status.state == "active" else w["paused"]
    reason = f" — {escape(status.reason)}" if status.reason else ""
    when = w["never"] if lag is None else w["lag"].format(s=int(lag))
    items = list(all_mapped(client, config.name))
    stock: dict[int, int] = {}
    for product_id in {i.product_id for i in items}:
        for sku in client.products.get(product_id).skus:
            stock[sku.id] = sku.stock or 0
    there = _channel_stock(client, config, [i.channel_code for i in items], status.state)
    item_rows = "".join(
        f"<tr><td>{escape(i.sku_code)}</td><td>{stock.get(i.sku_id, 0)}</td>"
        f"<td>{there.get(i.channel_code, '—')}</td></tr>"
        for i in items
    )
    errors = "".join(
        f"<tr><td>{escape(e.sku_code)}</td><td>{escape(e.reason)}</td></tr>" for e in status.errors
    )
    found = client.records.get(rec.REPORTS, config.name)
    report = None if found is None else ReconcileReport.model_validate(found.data)
    mapping = f"{base_of(client)}/channels/{config.name}/mapping"
    conflicts = (
        f'<a href="{mapping}">{status.conflicts} · {escape(w["see_mapping"])}</a>'
        if status.conflicts
        else f'<a href="{mapping}">0</a>'
    )
    rules = rules_text(config.rules, lang_of(w["lang"]))
    return (
        f"<h2>{escape(config.name)}</h2>"
        f"<p>{escape(_where(config))}</p>"
        f'<p class="rules"><strong>{escape(w["rules"])}</strong>: {escape(rules)}</p>'
        f"<dl><dt>{w['state']}</dt>"
        f"<dd>{escape(state)}{reason}</dd>"
        f"<dt>{w['last_sync']}</dt><dd>{escape(when)}</dd>"
        f"<dt>{w['mapped']}</dt><dd>{len(items)}</dd>"
        f"<dt>{w['conflicts']}</dt><dd>{conflicts}</dd></dl>"
        + (
            f"<table><thead><tr><th>{w['item']}</th><th>{w['here']}</th>"
            f"<th>{w['there']}</th></tr></thead>"
            f"<tbody>{item_rows}</tbody></table>"
            if items
            else ""
        )
        + (
            f"<h3>{w['errors']}</h3><table><thead><tr><th>{w['item']}</th>"
            f"<th>{w['reason']}</th></tr></thead><tbody>{errors}</tbody></table>"
            if errors
            else ""
        )
        + _oversells_html(w, status.oversells)
        + _report_html(w, report)
    )


def home_page(
    client: ShopClient, language: str = "en", notice: str = "", html: str = ""
) -> SafeHtml:
    """Every channel with its status, and the forms (``notice`` text or ``html`` on top)."""
    w = WORDS[lang_of(language)]
    channels = list(all_channels(client))
    body = "".join(_channel_html(client, w, c) for c in channels) or f"<p>{w['none']}</p>"
    forms: tuple[PageForm, ...] = (CONNECT_FORM, PUBLISH_FORM)
    for config in channels:
        forms += (rules_form(config), *_channel_forms(config.name))
    top = html + (f"<p><strong>{escape(notice)}</strong></p>" if notice else "")
    return SafeHtml(html=f"{top}<p>{escape(w['intro'])}</p>{body}", forms=forms)


def _int(params: dict[str, Any], name: str, default: int | None = None) -> int | None:
    text = str(params.get(name) or "").strip()
    return int(text) if text.lstrip("-").isdigit() else default


def connect_page(
    client: ShopClient, params: dict[str, Any], language: str = "en", hooks_url: str = ""
) -> SafeHtml | ConnectRedirect:
    """Another Tanzi shop: send the merchant to its owner's consent screen (the channel is
    saved, and that shop asked to send its stock events here, when they come back: see
    :func:`connected_page`). Another platform, or a pasted token: keep the channel's
    settings and seal the token."""
    w = WORDS[lang_of(language)]
    token = str(params.get("token", "")).strip()
    kind = str(params.get("kind") or "tanzi")
    oauth = kind == "tanzi" and not token
    base_url = str(params.get("base_url") or "").strip()
    try:
        rules = rules_from(params)
    except RulesInvalid as exc:
        return home_page(client, language, w["bad"].format(problem=str(exc)))
    try:
        config = ChannelConfig(
            name=str(params.get("name", "")).strip(),
            kind=kind,
            partner_id=_int(params, "partner_id"),
            product_class=str(params.get("product_class") or "").strip(),
            # empty for a Tanzi shop: this host (the host fills it in when it connects)
            base_url=base_url or ("this-host" if oauth else ""),
            # the shop is the one its owner picks on the consent screen
            shop_id=1 if oauth else _int(params, "shop_id", 0) or 0,
            category_id=_int(params, "category_id"),
            allocation=Allocation(
                mode=str(params.get("mode") or "share"),
                value=_int(params, "value", 50) or 0,
                buffer=_int(params, "buffer", 0) or 0,
            ),
            rules=rules,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        problem = f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
        return home_page(client, language, w["bad"].format(problem=problem))
    if oauth:
        pending = {**config.model_dump(mode="json"), "shop_id": 0, "base_url": base_url}
        return start_connect(client, pending)
    save_channel(hosted_client(client), config, token or None)
    if hooks_url:
        subscribe(hosted_client(client), config, hooks_url)
    return home_page(client, language, w["done"])


def connected_page(
    client: ShopClient,
    path_params: dict[str, Any],
    params: dict[str, Any],
    language: str = "en",
    hooks_url: str = "",
) -> SafeHtml:
    """Back from the other shop's consent screen: save the channel and ask that shop to
    send its stock events here (:mod:`plugins.catalog_sync.push`), or say why not."""
    w = WORDS[lang_of(language)]
    name = str(path_params.get("name", ""))
    problem = str(params.get("connect_error") or "")
    config = None if problem else finish_connect(hosted_client(client), name)
    if config is None:
        return home_page(client, language, w["not_connected"].format(name=name, why=problem))
    if hooks_url:
        subscribe(hosted_client(client), config, hooks_url)
    return home_page(client, language, w["connected"].format(name=name, shop=config.shop_id))


def hosted_client(client: ShopClient) -> HostedShopClient:
    """The in-process client (it keeps secrets)."""
    from plugins.catalog_sync import hosted

    return hosted(client)


def _sync(client: ShopClient, name: str) -> ChannelSync | None:
    config = channel_config(client, name)
    return None if config is None else ChannelSync(hosted_client(client), config)


def publish_page(client: ShopClient, params: dict[str, Any], language: str = "en") -> SafeHtml:
    """Publish the listed products on a channel."""
    w = WORDS[lang_of(language)]
    name = str(params.get("channel", "")).strip()
    sync = _sync(client, name)
    if sync is None:
        return home_page(client, language, w["unknown"].format(name=name))
    ids = [
        int(p)
        for p in str(params.get("product_ids", "")).replace(FULLWIDTH_COMMA, ",").split(",")
        if p.strip().isdigit()
    ]
    if not sync.config.rules.publishes:
        reason = f"{name}: {w['brings_here']}"
        return home_page(client, language, w["refused"].format(reason=reason))
    job = client.jobs.start(PUBLISH, {"channel": name, "product_ids": ids}, language=language)
    return home_page(client, language, html=started(client, job.id, language))


def rules_page(
    client: ShopClient, path_params: dict[str, Any], params: dict[str, Any], language: str = "en"
) -> SafeHtml:
    """Change a channel's rules (what goes where, fields, winners, markup)."""
    w = WORDS[lang_of(language)]
    name = str(path_params.get("name", ""))
    config = channel_config(client, name)
    if config is None:
        return home_page(client, language, w["unknown"].format(name=name))
    try:
        rules = rules_from(params, config.rules)
    except RulesInvalid as exc:
        return home_page(client, language, w["bad"].format(problem=str(exc)))
    save_channel(hosted_client(client), config.model_copy(update={"rules": rules}), None)
    return home_page(client, language, w["done"])


def mapping_page(client: ShopClient, path_params: dict[str, Any], language: str = "en") -> SafeHtml:
    """The channel's unmatched items, each with its choice."""
    lang = lang_of(language)
    name = str(path_params.get("name", ""))
    sync = _sync(client, name)
    if sync is None:
        return home_page(client, language, WORDS[lang]["unknown"].format(name=name))
    return mapping_html(sync, MAPPING_WORDS[lang], base_of(client))


def map_page(
    client: ShopClient, path_params: dict[str, Any], params: dict[str, Any], language: str = "en"
) -> SafeHtml:
    """Save the merchant's choice for one unmatched item, then show the page again."""
    lang = lang_of(language)
    name = str(path_params.get("name", ""))
    sync = _sync(client, name)
    if sync is None:
        return home_page(client, language, WORDS[lang]["unknown"].format(name=name))
    w = MAPPING_WORDS[lang]
    try:
        notice = map_choice(sync, code_of(str(path_params.get("code", ""))), choice_of(params), w)
    except ChannelError as exc:
        notice = w["down"].format(name=name, reason=str(exc))
    return mapping_html(sync, w, base_of(client), notice)


def channel_action(
    client: ShopClient, path_params: dict[str, Any], language: str = "en"
) -> SafeHtml:
    """Pause, resume, sync now or reconcile one channel."""
    w = WORDS[lang_of(language)]
    name, action = str(path_params.get("name", "")), str(path_params.get("action", ""))
    sync = _sync(client, name)
    if sync is None:
        return home_page(client, language, w["unknown"].format(name=name))
    if action == "pause":
        pause(client, name, "paused by the merchant", by="merchant")
    elif action in ACTION_JOBS:
        job = client.jobs.start(ACTION_JOBS[action], {"channel": name}, language=language)
        return home_page(client, language, html=started(client, job.id, language))
    return home_page(client, language, w["done"])


def routes() -> list[PluginRoute]:
    """The plugin's pages."""
    read, write = "products:read", "products:write"
    return [
        PluginRoute(path="/", endpoint=home_page, title="Channels", scope=read),
        PluginRoute(path="/connect", endpoint=connect_page, methods=("POST",), scope=write),
        PluginRoute(path="/connected/{name}", endpoint=connected_page, scope=write),
        PluginRoute(path="/jobs/{job:int}", endpoint=job_page, title="Job", scope=read),
        PluginRoute(path="/publish", endpoint=publish_page, methods=("POST",), scope=write),
        PluginRoute(
            path="/channels/{name}/rules", endpoint=rules_page, methods=("POST",), scope=write
        ),
        PluginRoute(path="/channels/{name}/mapping", endpoint=mapping_page, scope=read),
        PluginRoute(
            path="/channels/{name}/map/{code}", endpoint=map_page, methods=("POST",), scope=write
        ),
        PluginRoute(
            path=HOOK_PATH,
            endpoint=on_channel_event,
            methods=("POST",),
            scope=write,
            audience="webhook",
        ),
        PluginRoute(
            path="/channels/{name}/{action}",
            endpoint=channel_action,
            methods=("POST",),
            scope=write,
        ),
    ]
