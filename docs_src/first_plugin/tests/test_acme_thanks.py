"""Unit tests: the hook called directly, with a fake shop in memory."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from acme_thanks import NOTES, ThanksSettings, manifest, order_paid

from sdk import OrderEvent, ScopeDenied
from sdk.models import Order
from sdk.testing import FakeShop


def paid(order: Order, event_id: str = "evt-1") -> OrderEvent:
    """The event the kernel delivers when ``order`` is paid."""
    return OrderEvent(
        event_id=event_id,
        name="order_paid",
        shop_id=1,
        occurred_at=datetime.now(UTC),
        sequence=1,
        resource_type="order",
        resource_id=order.id,
        order=order,
    )


def test_a_paid_order_gets_one_note() -> None:
    shop = FakeShop.for_manifest(manifest)  # granted exactly the manifest's scopes
    order = shop.add_order([(1, 2)])  # two of SKU 1

    order_paid(event=paid(order), client=shop, settings=ThanksSettings())
    order_paid(event=paid(order, "evt-1"), client=shop, settings=ThanksSettings())

    notes = shop.records.list(NOTES)
    assert [(n.key, n.data["total_fen"]) for n in notes] == [(str(order.id), order.total_fen)]
    assert shop.called("orders.get") == [((order.id,), {}), ((order.id,), {})]


def test_small_orders_get_no_note() -> None:
    shop = FakeShop.for_manifest(manifest)
    order = shop.add_order([(1, 1)])
    settings = ThanksSettings(min_total_fen=(order.total_fen or 0) + 1)

    order_paid(event=paid(order), client=shop, settings=settings)

    assert shop.records.list(NOTES) == []


def test_without_orders_read_it_writes_nothing() -> None:
    shop = FakeShop(scopes=[])  # the merchant granted nothing
    order = shop.add_order([(1, 1)])

    with pytest.raises(ScopeDenied) as denied:
        order_paid(event=paid(order), client=shop, settings=ThanksSettings())

    assert denied.value.scope == "orders:read"
    assert shop.records.list(NOTES) == []
