"""The plugin's pages: the merchant's coupon list, create form and redemption report in the
console, and the buyer's coupon page on the storefront (``audience="buyer"``).

Pages return :class:`sdk.SafeHtml` (sanitized and framed by the host) with forms the host
draws with its CSRF check (:class:`sdk.PageForm`). Merchant text is escaped here; the report
is a CSV whose text cells cannot run as spreadsheet formulas.
"""

from __future__ import annotations

import csv
import io
from html import escape
from typing import Any

from plugins.coupons import ledger
from plugins.coupons.terms import Coupon, coupon_from_form
from plugins.coupons.words import WORDS, describe, lang_of, last_day, window
from sdk.client import ShopClient
from sdk.models import ActionField, PageForm, PluginRoute, ResultFile, SafeHtml
from sdk.spreadsheet import neutralize_row

REPORT_COLUMNS = ("code", "title", "buyer_id", "discount_yuan", "subtotal_yuan", "redeemed_at")

CREATE_FORM = PageForm(
    path="/coupons",
    label="Create coupon",
    label_zh_CN="创建优惠券",
    fields=(
        ActionField(name="title", label="Title", label_zh_CN="名称", required=True),
        ActionField(
            name="kind",
            label="Kind",
            label_zh_CN="类型",
            kind="select",
            options=(("fixed", "Fixed amount", "固定金额"), ("percent", "Percentage", "折扣比例")),
        ),
        ActionField(
            name="value",
            label="Discount (yuan or %)",
            label_zh_CN="优惠（元或 %）",  # noqa: RUF001
            kind="number",
            required=True,
        ),
        ActionField(
            name="min_spend",
            label="Minimum spend (yuan)",
            label_zh_CN="使用门槛（元）",  # noqa: RUF001
            kind="number",
        ),
        ActionField(name="starts_on", label="First day", label_zh_CN="开始日期", kind="date"),
        ActionField(name="ends_on", label="Last day", label_zh_CN="结束日期", kind="date"),
        ActionField(
            name="per_buyer_limit", label="Per buyer", label_zh_CN="每人限领", kind="number"
        ),
        ActionField(
            name="quantity", label="Quantity", label_zh_CN="发行量", kind="number", required=True
        ),
        ActionField(name="code", label="Code (optional)", label_zh_CN="券码（可选）"),  # noqa: RUF001
    ),
)


def console_base(client: ShopClient) -> str:
    """Where the merchant's pages of this plugin start."""
    return f"/apps/coupons/shops/{client.shop_id}"


def _message(text: str, kind: str = "success") -> str:
    return f'<p class="flash {kind}">{escape(text)}</p>'


def _coupon_rows(client: ShopClient, lang: str) -> str:
    """One list item per coupon (a list, not a table, so that it fits a phone)."""
    w = WORDS[lang]
    items = []
    for c in ledger.all_coupons(client):
        n = ledger.counts(client, c.code)
        figures = " · ".join(
            f"{escape(w[k])}: {v}"
            for k, v in (
                ("per_buyer", c.per_buyer_limit),
                ("quantity", c.total_quantity),
                ("claimed", n["claimed"]),
                ("redeemed", n["redeemed"]),
            )
        )
        items.append(
            f"<li><strong><code>{escape(c.code)}</code> {escape(c.title)}</strong><br>"
            f"{escape(describe(c, lang))} · {escape(w['window'])} {escape(window(c, lang))}"
            f"<br>{figures}</li>"
        )
    if not items:
        return f"<p>{escape(w['none'])}</p>"
    return f"<ul>{''.join(items)}</ul>"


def merchant_home(client: ShopClient, language: str = "en", notice: str = "") -> SafeHtml:
    """The shop's coupons with claimed and redeemed counts, the report, the create form."""
    lang = lang_of(language)
    w = WORDS[lang]
    return SafeHtml(
        html=f"{notice}<p>{escape(w['intro'])}</p>{_coupon_rows(client, lang)}"
        f'<p><a href="{console_base(client)}/report">{escape(w["report"])}</a></p>',
        forms=(CREATE_FORM,),
    )


def create_coupon(client: ShopClient, params: dict[str, Any], language: str = "en") -> SafeHtml:
    """Create the coupon the form describes, then show the list (or what to fix)."""
    lang = lang_of(language)
    w = WORDS[lang]
    coupon, errors = coupon_from_form(params, ledger.now_utc())
    if coupon is None:
        items = "".join(f"<li>{escape(w[why])}</li>" for why in errors.values())
        notice = f'<div class="flash error"><p>{escape(w["fix"])}</p><ul>{items}</ul></div>'
    elif not ledger.save_coupon(client, coupon):
        notice = _message(w["taken"].format(code=coupon.code), "error")
    else:
        notice = _message(w["created"].format(code=coupon.code))
    return merchant_home(client, language, notice)


def redemption_report(client: ShopClient) -> ResultFile:
    """Every redemption as CSV (UTF-8 with BOM for spreadsheets), formula-safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REPORT_COLUMNS)
    count = 0
    for record in ledger.redemptions(client):
        d = record.data
        writer.writerow(
            neutralize_row(
                [
                    str(d.get("code", "")),
                    str(d.get("title", "")),
                    d.get("buyer_id"),
                    f"{int(d.get('discount_fen', 0)) / 100:.2f}",
                    f"{int(d.get('subtotal_fen', 0)) / 100:.2f}",
                    str(d.get("redeemed_at", "")),
                ]
            )
        )
        count += 1
    return ResultFile(
        filename="coupon-redemptions.csv",
        content_type="text/csv",
        data=("\ufeff" + out.getvalue()).encode(),
        message=f"{count} redemptions",
    )


def _buyer_card(client: ShopClient, coupon: Coupon, buyer_id: int | None, lang: str) -> str:
    w = WORDS[lang]
    left = coupon.total_quantity - ledger.counts(client, coupon.code)["claimed"]
    mine = ""
    if buyer_id is not None:
        held = ledger.holding(client, coupon.code, buyer_id)
        if held["claimed"]:
            mine = f"<p><strong>{escape(w['you_hold'].format(n=held['claimed'], used=held['used']))}</strong></p>"
    return (
        f'<div class="coupon"><h2>{escape(coupon.title)}</h2>'
        f"<p><strong>{escape(describe(coupon, lang))}</strong></p>"
        f"<p>{escape(w['code'])}: <code>{escape(coupon.code)}</code> · "
        f"{escape(w['until'].format(day=last_day(coupon)))} · "
        f"{escape(w['left'].format(left=max(0, left)))}</p>{mine}</div>"
    )


def buyer_coupons(
    client: ShopClient, buyer_id: int | None = None, language: str = "en", notice: str = ""
) -> SafeHtml:
    """The shop's live coupons, each with a Claim button, and what the buyer holds."""
    lang = lang_of(language)
    w = WORDS[lang]
    now = ledger.now_utc()
    live = [c for c in ledger.all_coupons(client) if c.live_at(now)]
    cards = "".join(_buyer_card(client, c, buyer_id, lang) for c in live)
    hint = w["how"] if buyer_id is not None else w["sign_in"]
    forms = tuple(
        PageForm(
            path=f"/claim/{c.code}",
            label=f"{WORDS['en']['claim']}: {c.title}",
            label_zh_CN=f"{WORDS['zh_CN']['claim']}：{c.title}",  # noqa: RUF001
        )
        for c in live
    )
    body = cards or f"<p>{escape(w['shop_none'])}</p>"
    return SafeHtml(html=f"{notice}{body}<p>{escape(hint)}</p>", forms=forms)


def buyer_claim(
    client: ShopClient,
    path_params: dict[str, Any],
    buyer_id: int | None = None,
    language: str = "en",
) -> SafeHtml:
    """The signed-in buyer claims one of the coupon, then sees the coupons again."""
    w = WORDS[lang_of(language)]
    code = str(path_params.get("code", ""))
    if buyer_id is None:
        return buyer_coupons(client, None, language, _message(w["sign_in"], "error"))
    result = ledger.claim(client, code, buyer_id, ledger.now_utc())
    notice = (
        _message(w["claimed_ok"].format(code=code))
        if result == "claimed"
        else _message(w[result], "error")
    )
    return buyer_coupons(client, buyer_id, language, notice)


def routes() -> list[PluginRoute]:
    """The merchant's pages (``orders:read`` to look, ``orders:write`` to create) and the
    buyer's coupon page."""
    read, write = "orders:read", "orders:write"
    return [
        PluginRoute(path="/", endpoint=merchant_home, title="Coupons", scope=read),
        PluginRoute(path="/coupons", endpoint=create_coupon, methods=("POST",), scope=write),
        PluginRoute(path="/report", endpoint=redemption_report, scope=read),
        PluginRoute(
            path="/",
            endpoint=buyer_coupons,
            title="Coupons",
            title_zh_CN="领券",
            audience="buyer",
        ),
        PluginRoute(
            path="/claim/{code}", endpoint=buyer_claim, methods=("POST",), audience="buyer"
        ),
    ]
