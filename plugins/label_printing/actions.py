"""Label printing's buttons on the console's orders list.

"Print labels" starts the resumable ``print_labels`` job (``MerchantAction.job``) with the
merchant's choices: the bound account, PDF or ZPL, whether to mark the orders shipped,
and optionally every paid order awaiting shipment instead of the selection. The A4 pick
list and packing slips are whole-selection actions: one PDF each, no waybill fetched
(a packing slip shows the order's waybill when it already has one).
"""

from __future__ import annotations

from typing import Any

from plugins.label_printing import sheets
from plugins.label_printing.model import Item, Label, Party
from plugins.label_printing.printing_job import CODE
from sdk import MerchantAction, ResultFile, ShopClient
from sdk.models import ActionField, Order
from sdk.scopes import Scope

FORMAT_OPTIONS = (
    ("pdf", "PDF, 100x150 mm", "PDF 面单 100x150 mm"),
    ("zpl", "ZPL (thermal printer)", "ZPL 热敏打印机"),
)


def sheet_label(order: Order, client: ShopClient) -> Label:
    """An order as the A4 sheets show it, with its issued waybill number if it has one."""
    issued = [w for w in client.carriers.waybills(order_id=order.id) if w.status == "issued"]
    return Label(
        waybill_no=issued[-1].waybill_no if issued else "",
        carrier_name=issued[-1].carrier_code if issued else "",
        order_no=str(order.id),
        sender=Party("", "", ""),
        recipient=Party(
            order.recipient_name or "", order.recipient_phone or "", order.address or ""
        ),
        items=tuple(
            Item(line.title or "", line.quantity, f"#{line.sku_id}" if line.sku_id else "")
            for line in order.lines
        ),
    )


def pick_list(item_ids: list[int], client: ShopClient, settings: Any = None) -> ResultFile:
    """The selection's A4 pick list (拣货单): items summed across the orders."""
    labels = [sheet_label(client.orders.get(i), client) for i in item_ids]
    return ResultFile(
        filename="pick-list.pdf",
        content_type="application/pdf",
        data=sheets.render_pick_list(labels),
        message=f"{len(labels)} order(s)",
    )


def packing_slips(item_ids: list[int], client: ShopClient, settings: Any = None) -> ResultFile:
    """One A4 packing slip (发货单) per selected order, in one PDF."""
    labels = [sheet_label(client.orders.get(i), client) for i in item_ids]
    return ResultFile(
        filename="packing-slips.pdf",
        content_type="application/pdf",
        data=sheets.render_packing_slips(labels),
        message=f"{len(labels)} order(s)",
    )


def merchant_actions() -> list[MerchantAction]:
    """Print labels (a resumable job on a bound account), the pick list, packing slips."""
    return [
        print_labels_action(),
        MerchantAction(
            code="pick_list",
            label="Pick list (A4)",
            label_zh_CN="拣货单 A4",
            area="orders",
            scope=Scope.orders_read.value,
            run_all=pick_list,
        ),
        MerchantAction(
            code="packing_slips",
            label="Packing slips (A4)",
            label_zh_CN="发货单 A4",
            area="orders",
            scope=Scope.orders_read.value,
            run_all=packing_slips,
        ),
    ]


def print_labels_action() -> MerchantAction:
    """ "Print labels": the shop's bound account, the format, and what to do after."""
    return MerchantAction(
        code="print",
        label="Print shipping labels",
        label_zh_CN="批量打单",
        area="orders",
        scope=Scope.logistics_write.value,
        job=CODE,
        fields=(
            ActionField(
                name="account_id",
                label="Carrier account",
                label_zh_CN="物流账号",
                kind="carrier_account",
                required=True,
            ),
            ActionField(
                name="format",
                label="Format",
                label_zh_CN="格式",
                kind="select",
                options=FORMAT_OPTIONS,
                required=True,
            ),
            ActionField(
                name="mark_shipped",
                label="Mark the orders shipped",
                label_zh_CN="打单后标记为已发货",
                kind="checkbox",
            ),
            ActionField(
                name="all_paid",
                label="All paid orders awaiting shipment (not only the selected)",
                label_zh_CN="打印所有待发货订单 (不限于所选)",
                kind="checkbox",
            ),
        ),
    )
