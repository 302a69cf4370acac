"""The plugin's buttons on the console's orders list (``register_merchant_actions``).

- **Export** the selection to one CSV, with or without buyer details (:mod:`selection`).
- **Cancel unpaid orders** (批量取消): each selected order still awaiting payment is
  cancelled with the reason the merchant gives (the buyer sees it); any other order is
  left alone and its row says why. Each order's result shows live in the job's list.
- **Note and flag** (备注/旗帜): the merchant's own note and a coloured flag on each
  selected order; the buyer never sees them.

Per-row actions raise to mark a row failed; the message is in the merchant's language.
"""

from __future__ import annotations

from typing import Any

from plugins.batch_orders.messages import lang_of, reason_text, status_text
from plugins.batch_orders.selection import export_orders, export_orders_with_buyers
from sdk import MerchantAction, ShopClient
from sdk.errors import ClientError, InvalidRequest
from sdk.models import ORDER_FLAGS, ActionField
from sdk.scopes import Scope

#: Flag colours with their names in English and Chinese.
FLAG_NAMES: dict[str, tuple[str, str]] = {
    "red": ("Red", "红旗"),
    "orange": ("Orange", "橙旗"),
    "yellow": ("Yellow", "黄旗"),
    "green": ("Green", "绿旗"),
    "blue": ("Blue", "蓝旗"),
    "purple": ("Purple", "紫旗"),
}


class RowRefused(InvalidRequest):
    """A selected order the action leaves alone; the message (shown as the row's result,
    like the shop's own refusals) says why."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, code="row_refused")


def cancel_unpaid(
    item_id: int,
    client: ShopClient,
    params: dict[str, Any],
    language: str = "en",
    settings: Any = None,
) -> str:
    """Cancel one selected order if it still awaits payment, with the merchant's reason."""
    lang = lang_of(language)
    order = client.orders.get(item_id)
    if order.status != "pending_payment":
        raise RowRefused(reason_text("not_unpaid", lang, status=status_text(order.status, lang)))
    try:
        client.orders.cancel(item_id, reason=str(params.get("reason", "")))
    except ClientError as exc:
        raise RowRefused(reason_text("cancel_failed", lang, detail=exc.code)) from None
    return reason_text("cancelled", lang)


def note_and_flag(
    item_id: int,
    client: ShopClient,
    params: dict[str, Any],
    language: str = "en",
    settings: Any = None,
) -> str:
    """Set the merchant's note (when given) and flag (when chosen) on one order."""
    lang = lang_of(language)
    note = str(params.get("note") or "").strip() or None
    flag = str(params.get("flag") or "") or None
    if note is None and flag is None:
        raise RowRefused(reason_text("nothing_to_mark", lang))
    try:
        client.orders.annotate(item_id, note=note, flag=flag)
    except ClientError as exc:
        code = "bad_flag" if exc.code == "invalid_flag" else "cancel_failed"
        raise RowRefused(reason_text(code, lang, detail=exc.code)) from None
    return reason_text("marked", lang)


def merchant_actions() -> list[MerchantAction]:
    """Exports, bulk cancel, and notes with flags on the orders list."""
    flags = tuple((code, en, zh) for code, (en, zh) in FLAG_NAMES.items() if code in ORDER_FLAGS)
    return [
        MerchantAction(
            code="export",
            label="Export orders (CSV)",
            label_zh_CN="导出订单（CSV）",  # noqa: RUF001
            area="orders",
            scope=Scope.orders_read.value,
            run_all=export_orders,
        ),
        MerchantAction(
            code="export_pii",
            label="Export orders with buyer details (CSV)",
            label_zh_CN="导出订单及收货人信息（CSV）",  # noqa: RUF001
            area="orders",
            scope=Scope.orders_pii.value,
            run_all=export_orders_with_buyers,
        ),
        MerchantAction(
            code="cancel",
            label="Cancel unpaid orders",
            label_zh_CN="批量取消未付款订单",
            area="orders",
            scope=Scope.orders_write.value,
            run=cancel_unpaid,
            fields=(
                ActionField(
                    name="reason",
                    label="Reason (the buyer sees it)",
                    label_zh_CN="取消原因（买家可见）",  # noqa: RUF001
                    required=True,
                ),
            ),
        ),
        MerchantAction(
            code="note",
            label="Note and flag",
            label_zh_CN="备注和旗帜",
            area="orders",
            scope=Scope.orders_write.value,
            run=note_and_flag,
            fields=(
                ActionField(name="note", label="Note", label_zh_CN="备注"),
                ActionField(
                    name="flag",
                    label="Flag",
                    label_zh_CN="旗帜",
                    kind="select",
                    options=(
                        ("", "(unchanged)", "（不变）"),  # noqa: RUF001
                        *flags,
                        ("none", "No flag", "无旗帜"),
                    ),
                ),
            ),
        ),
    ]
