"""The oversell rule on its own: units promised beyond stock and the orders that took them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from plugins.catalog_sync.oscar_oversell import StockLevel, find_oversells
from sdk.channels import ChannelOrderLine

T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _line(order: str, sku: str, quantity: int, minute: int) -> ChannelOrderLine:
    return ChannelOrderLine(
        external_order_id=order,
        sku_code=sku,
        quantity=quantity,
        placed_at=T0 + timedelta(minutes=minute),
    )


def test_within_stock_is_no_oversell() -> None:
    lines = [_line("1", "A", 2, 0), _line("2", "A", 1, 1)]
    assert find_oversells([StockLevel("A", in_stock=3, allocated=3)], lines) == []
    assert find_oversells([StockLevel("A", in_stock=3)], lines) == []


def test_orders_beyond_stock_are_named_in_placement_order() -> None:
    # given out of order: the rule sorts by the time each order was placed
    lines = [_line("104", "A", 1, 4), _line("101", "A", 2, 1), _line("103", "A", 1, 3)]
    lines.append(_line("102", "A", 1, 2))
    [oversell] = find_oversells([StockLevel("A", in_stock=3)], lines)
    assert (oversell.promised, oversell.excess) == (5, 2)
    assert oversell.order_ids == ("103", "104")


def test_an_order_straddling_the_last_unit_is_named() -> None:
    lines = [_line("1", "A", 2, 0), _line("2", "A", 3, 1)]
    [oversell] = find_oversells([StockLevel("A", in_stock=4)], lines)
    assert (oversell.excess, oversell.order_ids) == (1, ("2",))


def test_the_channels_allocation_counts_even_without_every_line() -> None:
    # Oscar says 6 are allocated against 4 in stock; only the latest order was read
    [oversell] = find_oversells(
        [StockLevel("A", in_stock=4, allocated=6)], [_line("9", "A", 1, 5), _line("8", "A", 1, 4)]
    )
    assert (oversell.promised, oversell.excess) == (6, 2)
    assert oversell.order_ids == ("8", "9")


def test_each_sku_on_its_own() -> None:
    lines = [_line("1", "A", 1, 0), _line("1", "B", 5, 0), _line("2", "B", 1, 1)]
    found = find_oversells([StockLevel("A", in_stock=1), StockLevel("B", in_stock=5)], lines)
    assert [(o.sku_code, o.order_ids) for o in found] == [("B", ("2",))]
