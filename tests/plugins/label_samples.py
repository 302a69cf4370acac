"""Labels for the label printing tests and benchmarks: real-looking Chinese addresses."""

from __future__ import annotations

from plugins.label_printing.model import Item, Label, Party

SENDER = Party("谭记小铺", "13800000000", "浙江省杭州市余杭区文一西路969号 3号仓")

RECIPIENTS = [
    Party(
        "张伟", "13912345678", "广东省深圳市南山区粤海街道科技园南区高新南七道数字技术园B2栋1201室"
    ),
    Party("欧阳娜娜", "13611112222", "上海市浦东新区张江镇碧波路690号"),
    Party("李小龙", "18600001111", "四川省成都市武侯区人民南路四段27号商鼎国际1号楼2单元1808"),
]

WAYBILLS = ["SBX0000000001", "773012345678901", "JT0001234567890"]


def sample_labels(n: int = 3) -> list[Label]:
    """``n`` labels cycling through the recipients and waybill styles above."""
    labels = []
    for i in range(n):
        base = WAYBILLS[i % len(WAYBILLS)]
        waybill = base if i < len(WAYBILLS) else f"{base[:-6]}{i:06d}"
        labels.append(
            Label(
                waybill_no=waybill,
                carrier_name="沙箱快递 SANDBOX",
                order_no=f"2026120700{i:04d}",
                sender=SENDER,
                recipient=RECIPIENTS[i % len(RECIPIENTS)],
                routing_code="755-W021 03",
                sort_code="B12",
                items=(
                    Item("龙井茶 250g 礼盒装", 2, "TEA-250"),
                    Item("青花瓷茶杯 (一对)", 1 + i % 3, "CUP-2"),
                ),
                remark="易碎 轻放" if i % 2 else "",
            )
        )
    return labels
