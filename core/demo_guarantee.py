"""The demo's 交易保障 history: orders of the last assessment window for both demo shops,
then the assessment itself, so one shop carries the 保 badge and the other shows why not.

Tanzi Goods shipped :data:`GOODS_ORDERS` orders, each within a day of payment (certified
under the default criteria); Tanzi Teahouse had too few orders and shipped one late.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from core.models import Order, OrderLine, OrderStatus, Shop, Sku
from core.services.guarantee import assess_current_cycle
from core.services.guarantee_cycles import current_cycle

#: Orders of Tanzi Goods in the window (the default criteria ask for 10).
GOODS_ORDERS = 12
#: Hours after payment each Teahouse order shipped: the last one misses 48 hours.
TEAHOUSE_SHIPPING_HOURS = (6, 20, 80)


def _past_order(
    session: Session,
    *,
    shop: Shop,
    sku: Sku,
    title: str,
    buyer_id: int,
    key: str,
    paid_at: datetime,
    shipped_after: timedelta,
) -> None:
    shipped_at = paid_at + shipped_after
    order = Order(
        shop_id=shop.id or 0,
        buyer_id=buyer_id,
        idempotency_key=key,
        request_hash="0" * 64,
        status=OrderStatus.completed,
        subtotal_fen=sku.price_fen,
        total_fen=sku.price_fen,
        recipient_name="李买家",
        recipient_phone="13800138000",
        province_code="33",
        address="浙江省杭州市西湖区文三路 1 号",
        created_at=paid_at - timedelta(minutes=5),
        paid_at=paid_at,
        shipped_at=shipped_at,
        delivered_at=shipped_at + timedelta(days=2),
        completed_at=shipped_at + timedelta(days=9),
    )
    session.add(order)
    session.flush()
    session.add(
        OrderLine(
            order_id=order.id or 0,
            product_id=sku.product_id,
            sku_id=sku.id or 0,
            title=title,
            quantity=1,
            unit_price_fen=sku.price_fen,
        )
    )


def seed_guarantee(
    session: Session,
    *,
    goods: tuple[Shop, Sku, str],
    teahouse: tuple[Shop, Sku, str],
    buyer_id: int,
    now: datetime,
) -> int:
    """Write both shops' orders in the current cycle's window and assess the cycle; returns
    how many shops were assessed. Each ``(shop, sku, title)`` is what the orders buy."""
    start = current_cycle(now).window_start
    shop, sku, title = goods
    for n in range(GOODS_ORDERS):
        _past_order(
            session,
            shop=shop,
            sku=sku,
            title=title,
            buyer_id=buyer_id,
            key=f"demo-history-goods-{n}",
            paid_at=start + timedelta(days=1, hours=n * 20),
            shipped_after=timedelta(hours=18),
        )
    shop, sku, title = teahouse
    for n, hours in enumerate(TEAHOUSE_SHIPPING_HOURS):
        _past_order(
            session,
            shop=shop,
            sku=sku,
            title=title,
            buyer_id=buyer_id,
            key=f"demo-history-teahouse-{n}",
            paid_at=start + timedelta(days=2 + 3 * n),
            shipped_after=timedelta(hours=hours),
        )
    session.flush()
    return assess_current_cycle(session, now=now)
