"""A big paid order is flagged red with a note; a small one is left alone."""

from __future__ import annotations

from datetime import UTC, datetime

from flag_big_orders import order_paid

from sdk.events import OrderEvent
from sdk.testing import FakeShop


def _paid(shop: FakeShop, order_id: int) -> OrderEvent:
    return OrderEvent(
        event_id=f"e{order_id}",
        name="order_paid",
        shop_id=shop.shop_id,
        occurred_at=datetime.now(UTC),
        sequence=2,
        resource_type="order",
        resource_id=order_id,
        order=shop.orders.get(order_id),
    )


def test_big_orders_are_flagged() -> None:
    shop = FakeShop(scopes={"orders:read", "orders:write"}, seed=False)
    shop.add_product("Silk", [("S-1", {}, 45_900, 10)])
    big, small = shop.add_order([(1, 2)]).id, shop.add_order([(1, 1)]).id
    for order_id in (big, small):
        order_paid(_paid(shop, order_id), shop, {})
    assert shop.orders.get(big).merchant_flag == "red"
    assert shop.orders.get(big).merchant_note == "大额订单：双层包装"  # noqa: RUF001
    assert shop.orders.get(small).merchant_flag is None
