"""The forms the host draws under the plugin's home page (labels in English and Chinese)."""

from __future__ import annotations

from sdk.models import ActionField, PageForm

_FORMAT = ActionField(
    name="format",
    label="Format",
    label_zh_CN="格式",
    kind="select",
    options=(("xlsx", "Excel (.xlsx)", "Excel（.xlsx）"), ("csv", "CSV", "CSV")),  # noqa: RUF001
)
_STATUS = ActionField(
    name="status",
    label="Orders",
    label_zh_CN="订单",
    kind="select",
    options=(
        ("", "All", "全部"),
        ("pending_payment", "Awaiting payment", "待付款"),
        ("paid", "Paid, to ship", "已付款待发货"),
        ("shipped", "Shipped", "已发货"),
        ("delivered", "Delivered", "已送达"),
        ("completed", "Completed", "已完成"),
        ("cancelled", "Cancelled", "已取消"),
    ),
)
_FROM = ActionField(
    name="placed_from",
    label="Placed from (YYYY-MM-DD)",
    label_zh_CN="下单日期从（YYYY-MM-DD）",  # noqa: RUF001
)
_TO = ActionField(
    name="placed_to",
    label="Placed until (YYYY-MM-DD)",
    label_zh_CN="下单日期到（YYYY-MM-DD）",  # noqa: RUF001
)

SHIP_FORM = PageForm(
    path="/ship",
    label="Upload and ship",
    label_zh_CN="上传并发货",
    fields=(
        ActionField(
            name="file_id",
            label="Ship sheet: order number, carrier, waybill (.xlsx or .csv)",
            label_zh_CN="发货表：订单号、快递公司、运单号（.xlsx 或 .csv）",  # noqa: RUF001
            kind="file",
            required=True,
        ),
    ),
)
CANCEL_FORM = PageForm(
    path="/cancel",
    label="Cancel the unpaid orders",
    label_zh_CN="取消未付款订单",
    danger=True,
    fields=(
        _FROM,
        _TO,
        ActionField(
            name="reason",
            label="Reason (the buyer sees it)",
            label_zh_CN="取消原因（买家可见）",  # noqa: RUF001
            required=True,
        ),
    ),
)
EXPORT_FORM = PageForm(
    path="/export",
    label="Export",
    label_zh_CN="导出",
    fields=(_FORMAT, _STATUS, _FROM, _TO),
)
EXPORT_PII_FORM = PageForm(
    path="/export-buyers",
    label="Export with buyer details",
    label_zh_CN="导出（含收货人信息）",  # noqa: RUF001
    fields=(_FORMAT, _STATUS, _FROM, _TO),
)
