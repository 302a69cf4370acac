"""The words of the plugin's pages, in English and Chinese."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "intro": "Process many orders at once:",
        "ship_help": "Ship from a sheet: upload an Excel or CSV file with the columns order "
        "number, carrier and waybill number; good rows ship, the others are listed in a "
        "report with the reason. Uploading the same sheet again changes nothing.",
        "cancel_help": "Cancel the unpaid orders placed in a range of days, with a reason "
        "the buyers see. To cancel chosen orders, select them in the orders list.",
        "export_help": "Export orders by status and days to Excel or CSV; buyer details "
        "only for members allowed to see them.",
        "started": "Started: job #{id}.",
        "see_job": "Follow it",
        "job": "Job #{id}",
        "report": "Download the report of refused rows",
        "no_report": "This job refused no rows.",
        "reload": "Reload the page to see the progress.",
        "back": "Batch orders",
        "exported": "{n} order(s) exported",
        "status_queued": "Waiting",
        "status_running": "Running",
        "status_succeeded": "Done",
        "status_failed": "Failed",
        "status_cancelled": "Cancelled",
        "count_shipped": "Shipped",
        "count_unchanged": "Already shipped (unchanged)",
        "count_failed": "Refused",
        "count_cancelled": "Cancelled",
        "count_skipped": "Not unpaid (left alone)",
    },
    "zh_CN": {
        "intro": "批量处理订单：",  # noqa: RUF001
        "ship_help": "按表格发货：上传含订单号、快递公司、运单号三列的 Excel 或 CSV 文件；"  # noqa: RUF001
        "正确的行直接发货，其余的行连同原因列在报告中。重复上传同一表格不会重复发货。",  # noqa: RUF001
        "cancel_help": "取消某段日期内下单的未付款订单，并填写买家可见的原因。"  # noqa: RUF001
        "如需取消指定订单，请在订单列表中勾选。",  # noqa: RUF001
        "export_help": "按状态和日期把订单导出为 Excel 或 CSV；只有有权限的成员才能导出收货人信息。",  # noqa: RUF001
        "started": "已开始：任务 #{id}。",  # noqa: RUF001
        "see_job": "查看进度",
        "job": "任务 #{id}",
        "report": "下载被拒绝行的报告",
        "no_report": "该任务没有被拒绝的行。",
        "reload": "刷新页面查看进度。",
        "back": "订单批量处理",
        "exported": "已导出 {n} 个订单",
        "status_queued": "等待中",
        "status_running": "进行中",
        "status_succeeded": "已完成",
        "status_failed": "失败",
        "status_cancelled": "已取消",
        "count_shipped": "已发货",
        "count_unchanged": "已发过货（未改动）",  # noqa: RUF001
        "count_failed": "被拒绝",
        "count_cancelled": "已取消",
        "count_skipped": "非未付款（未处理）",  # noqa: RUF001
    },
}
