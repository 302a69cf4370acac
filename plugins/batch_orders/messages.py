"""What the plugin tells the merchant, in English and Chinese: the reasons a sheet row or an
order is refused, the sheet's column names, and the words of its pages.

Languages are named as the host's catalogs name them: ``en`` and ``zh_CN``.
"""

from __future__ import annotations

REASONS: dict[str, dict[str, str]] = {
    "en": {
        "missing_columns": "The sheet needs the columns {columns}.",
        "unreadable": "The file is not a CSV or XLSX sheet this service can read.",
        "bad_order_number": "This is not an order number.",
        "unknown_order": "There is no order with this number in the shop.",
        "unpaid": "The order is not paid yet; it cannot be shipped.",
        "not_shippable": "The order is {status}; it cannot be shipped.",
        "already_shipped": "The order was already shipped with waybill {waybill}.",
        "self_pickup_order": "The buyer picks this order up; it is not shipped.",
        "empty_carrier": "The carrier is empty.",
        "unknown_carrier": "The shop cannot ship with this carrier.",
        "empty_waybill": "The waybill number is empty.",
        "invalid_waybill": "This is not a waybill number of this carrier.",
        "duplicate_waybill": "Another order already uses this waybill number.",
        "failed": "The order could not be shipped ({detail}).",
        "not_unpaid": "Only unpaid orders are cancelled here; this one is {status}.",
        "cancelled": "Cancelled.",
        "cancel_failed": "The order could not be cancelled ({detail}).",
        "marked": "Marked.",
        "nothing_to_mark": "Give a note or a flag colour.",
        "bad_flag": "Choose one of the flag colours.",
        "bad_dates": "Enter the dates like 2026-12-01, the first before the last.",
    },
    "zh_CN": {
        "missing_columns": "表格需要这些列：{columns}。",  # noqa: RUF001
        "unreadable": "文件不是本服务能读取的 CSV 或 XLSX 表格。",
        "bad_order_number": "这不是订单号。",
        "unknown_order": "店铺中没有这个订单号的订单。",
        "unpaid": "订单尚未付款，不能发货。",  # noqa: RUF001
        "not_shippable": "订单状态为{status}，不能发货。",  # noqa: RUF001
        "already_shipped": "订单已用运单号 {waybill} 发货。",
        "self_pickup_order": "该订单由买家自提，无需发货。",  # noqa: RUF001
        "empty_carrier": "快递公司为空。",
        "unknown_carrier": "店铺不能使用这家快递公司发货。",
        "empty_waybill": "运单号为空。",
        "invalid_waybill": "这不是该快递公司的运单号。",
        "duplicate_waybill": "该运单号已被另一个订单使用。",
        "failed": "订单未能发货（{detail}）。",  # noqa: RUF001
        "not_unpaid": "这里只取消未付款的订单；该订单状态为{status}。",  # noqa: RUF001
        "cancelled": "已取消。",
        "cancel_failed": "订单未能取消（{detail}）。",  # noqa: RUF001
        "marked": "已标记。",
        "nothing_to_mark": "请填写备注或选择旗帜颜色。",
        "bad_flag": "请选择一种旗帜颜色。",
        "bad_dates": "请按 2026-12-01 的格式填写日期，开始日期不能晚于结束日期。",  # noqa: RUF001
    },
}

STATUSES: dict[str, dict[str, str]] = {
    "en": {
        "pending_payment": "awaiting payment",
        "paid": "paid",
        "shipped": "shipped",
        "delivered": "delivered",
        "completed": "completed",
        "cancelled": "cancelled",
    },
    "zh_CN": {
        "pending_payment": "待付款",
        "paid": "已付款",
        "shipped": "已发货",
        "delivered": "已送达",
        "completed": "已完成",
        "cancelled": "已取消",
    },
}

#: The ship sheet's columns as the report names them.
COLUMNS: dict[str, dict[str, str]] = {
    "en": {"order": "Order number", "carrier": "Carrier", "waybill": "Waybill number"},
    "zh_CN": {"order": "订单号", "carrier": "快递公司", "waybill": "运单号"},
}


def lang_of(language: str) -> str:
    """``zh_CN`` or ``en`` from the host's ``zh-CN`` / ``en``."""
    return "zh_CN" if language.replace("-", "_").lower() == "zh_cn" else "en"


def reason_text(code: str, lang: str, **words: object) -> str:
    """The reason ``code`` in ``lang``, with ``words`` filled in (an unknown code is shown
    as the generic failure with the code as its detail)."""
    table = REASONS.get(lang, REASONS["en"])
    if code not in table:
        return table["failed"].format(detail=code)
    return table[code].format(**words)


def status_text(status: str | None, lang: str) -> str:
    """An order status in ``lang``."""
    return STATUSES.get(lang, STATUSES["en"]).get(status or "", status or "")


def column_title(column: str, lang: str) -> str:
    """The sheet column ``column`` (``order``, ``carrier``, ``waybill``) in ``lang``."""
    return COLUMNS.get(lang, COLUMNS["en"]).get(column, column)
