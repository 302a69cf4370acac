"""The plugin's words in English and Chinese, and how its amounts read."""

from __future__ import annotations

from datetime import datetime, timedelta

from plugins.coupons.terms import Coupon

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "intro": "Coupons your buyers claim on your storefront and use at checkout.",
        "none": "No coupons yet. Create the first one below.",
        "code": "Code",
        "title": "Title",
        "discount": "Discount",
        "min_spend": "Minimum spend",
        "window": "Valid",
        "per_buyer": "Per buyer",
        "quantity": "Quantity",
        "claimed": "Claimed",
        "redeemed": "Redeemed",
        "report": "Download the redemption report (CSV)",
        "created": "Coupon {code} created.",
        "taken": "The code {code} is already used by another coupon.",
        "fix": "The coupon was not created:",
        "bad_code": "The code is 3 to 20 letters, digits, '-' or '_'.",
        "bad_title": "Give the coupon a title of at most 60 characters.",
        "bad_kind": "Choose fixed amount or percentage.",
        "bad_value": "The discount is an amount in yuan, or a percentage from 1 to 99.",
        "bad_min_spend": "The minimum spend is an amount in yuan (0 for none).",
        "bad_window": "The last day must not be before the first day.",
        "bad_per_buyer_limit": "Each buyer may claim 1 to 100.",
        "bad_quantity": "The quantity is a whole number from 1 to 1,000,000.",
        "off": "{amount} off",
        "percent": "{percent}% off",
        "over": "on orders from {amount}",
        "any": "on any order",
        "until": "until {day}",
        "left": "{left} left",
        "claim": "Claim",
        "you_hold": "You hold {n}; used {used}.",
        "how": "Enter the code at checkout, in the coupon field of the order form.",
        "sign_in": "Sign in to claim coupons.",
        "shop_none": "This shop has no coupons right now.",
        "claimed_ok": "Claimed: use code {code} at checkout.",
        "unknown": "There is no such coupon.",
        "not_live": "This coupon is not valid now.",
        "limit_reached": "You already hold as many of this coupon as a buyer may.",
        "all_claimed": "Sorry, this coupon has all been claimed.",
        "buyer": "Buyer",
        "subtotal": "Subtotal",
        "redeemed_at": "Redeemed at",
    },
    "zh_CN": {
        "intro": "买家在店铺页领取、下单时使用的优惠券。",
        "none": "还没有优惠券。在下面创建第一张。",
        "code": "券码",
        "title": "名称",
        "discount": "优惠",
        "min_spend": "使用门槛",
        "window": "有效期",
        "per_buyer": "每人限领",
        "quantity": "发行量",
        "claimed": "已领取",
        "redeemed": "已使用",
        "report": "下载核销报表 (CSV)",
        "created": "优惠券 {code} 已创建。",
        "taken": "券码 {code} 已被另一张优惠券使用。",
        "fix": "优惠券未创建：",  # noqa: RUF001
        "bad_code": "券码为 3 到 20 个字母、数字、'-' 或 '_'。",
        "bad_title": "请填写不超过 60 个字的名称。",
        "bad_kind": "请选择固定金额或折扣比例。",
        "bad_value": "优惠为元金额，或 1 到 99 的百分比。",  # noqa: RUF001
        "bad_min_spend": "使用门槛为元金额（无门槛填 0）。",  # noqa: RUF001
        "bad_window": "结束日期不能早于开始日期。",
        "bad_per_buyer_limit": "每人可领 1 到 100 张。",
        "bad_quantity": "发行量为 1 到 1,000,000 的整数。",
        "off": "减 {amount}",
        "percent": "{percent}% 折扣",
        "over": "满 {amount} 可用",
        "any": "无门槛",
        "until": "{day} 前有效",
        "left": "剩余 {left} 张",
        "claim": "领取",
        "you_hold": "你已领取 {n} 张，已使用 {used} 张。",  # noqa: RUF001
        "how": "下单时在订单表单的优惠券栏填写券码即可使用。",
        "sign_in": "登录后即可领券。",
        "shop_none": "本店暂时没有优惠券。",
        "claimed_ok": "领取成功：下单时填写券码 {code}。",  # noqa: RUF001
        "unknown": "没有这张优惠券。",
        "not_live": "这张优惠券现在不可用。",
        "limit_reached": "你领取的数量已达每人上限。",
        "all_claimed": "抱歉，这张优惠券已被领完。",  # noqa: RUF001
        "buyer": "买家",
        "subtotal": "商品金额",
        "redeemed_at": "使用时间",
    },
}


def lang_of(language: str) -> str:
    """The words' key for the handler's ``language`` (``zh-CN`` or ``en``)."""
    return "zh_CN" if language.replace("-", "_") == "zh_CN" else "en"


def yuan(fen: int) -> str:
    """An amount in fen as yuan: ``¥12.50``."""
    return f"¥{fen / 100:,.2f}"


def last_day(coupon: Coupon) -> str:
    """The last day the coupon is valid (its end is exclusive)."""
    return (coupon.ends_at - timedelta(seconds=1)).date().isoformat()


def describe(coupon: Coupon, lang: str) -> str:
    """What the coupon takes off and from what spend, in one line."""
    w = WORDS[lang]
    off = (
        w["off"].format(amount=yuan(coupon.amount_fen))
        if coupon.kind == "fixed"
        else w["percent"].format(percent=coupon.percent_off)
    )
    spend = (
        w["over"].format(amount=yuan(coupon.min_spend_fen)) if coupon.min_spend_fen else w["any"]
    )
    return f"{off} · {spend}"


def window(coupon: Coupon, lang: str) -> str:
    """The coupon's first and last day."""
    to = "至" if lang == "zh_CN" else "to"
    return f"{coupon.starts_at.date().isoformat()} {to} {last_day(coupon)}"


def when(moment: datetime) -> str:
    """A moment as the report shows it (UTC, to the second)."""
    return moment.strftime("%Y-%m-%d %H:%M:%S")
