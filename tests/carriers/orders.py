"""Many paid orders to ship, made in one transaction (label printing's tests print thousands)."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session

import core.models as m
from core.models.base import utcnow

#: Where the test parcels go: (province code, the full Chinese address's prefix).
PROVINCES = (
    ("31", "上海市浦东新区世纪大道"),
    ("11", "北京市朝阳区建国路"),
    ("44", "广东省深圳市南山区科技园"),
)


def paid_orders(
    engine: Engine, *, shop_id: int, buyer_id: int, product_id: int, sku_id: int, n: int
) -> list[int]:
    """``n`` paid orders of one SKU to recipients 王小明<i>, by id."""
    with Session(engine) as session:
        orders = [
            m.Order(
                shop_id=shop_id,
                buyer_id=buyer_id,
                idempotency_key=f"print-{shop_id}-{i}",
                request_hash="0" * 64,
                status=m.OrderStatus.paid,
                subtotal_fen=1500,
                total_fen=1500,
                recipient_name=f"王小明{i}",
                recipient_phone="13800000000",
                province_code=PROVINCES[i % len(PROVINCES)][0],
                address=f"{PROVINCES[i % len(PROVINCES)][1]}{i}号",
                paid_at=utcnow(),
            )
            for i in range(n)
        ]
        session.add_all(orders)
        session.flush()
        session.add_all(
            m.OrderLine(
                order_id=o.id,
                product_id=product_id,
                sku_id=sku_id,
                title="龙井茶 Longjing",
                quantity=1,
                unit_price_fen=1500,
            )
            for o in orders
        )
        session.commit()
        return [o.id or 0 for o in orders]
