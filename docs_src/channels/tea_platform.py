"""A channel adapter for "Tea Platform", a store whose API keeps items by SKU code."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from sdk.channels import (
    ChannelItem,
    ChannelOrderLine,
    ChannelOrders,
    ChannelRefused,
    ChannelUnavailable,
)


@dataclass
class TeaPlatformApi:
    """Stands in for the platform's HTTP API (your adapter calls the real one)."""

    up: bool = True
    stock: dict[str, int] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    orders: list[tuple[int, str, int]] = field(default_factory=list)
    applied: set[str] = field(default_factory=set)


class TeaPlatformChannel:
    """A :class:`~sdk.channels.StockLedger`: stock moves by a delta, never below zero,
    once per change id."""

    def __init__(self, api: TeaPlatformApi) -> None:
        self.api = api

    def _answer(self) -> TeaPlatformApi:
        if not self.api.up:
            raise ChannelUnavailable("Tea Platform did not answer (timeout).")
        return self.api

    def check(self) -> None:
        self._answer()

    def list_items(self) -> Iterator[ChannelItem]:
        api = self._answer()
        for code, stock in sorted(api.stock.items()):
            yield ChannelItem(sku_code=code, title=api.titles.get(code, ""), stock=stock)

    def upsert_item(self, item: ChannelItem) -> str:
        api = self._answer()
        api.titles[item.sku_code] = item.title
        api.stock.setdefault(item.sku_code, 0)
        return item.sku_code

    def set_stock(self, sku_code: str, sellable: int) -> None:
        self._answer().stock[sku_code] = sellable

    def read_stock(self, sku_code: str) -> int:
        api = self._answer()
        if sku_code not in api.stock:
            raise ChannelRefused(f"Tea Platform has no item {sku_code}.")
        return api.stock[sku_code]

    def adjust_stock(self, sku_code: str, delta: int, *, change_id: str) -> int:
        api = self._answer()
        if change_id in api.applied:  # a retry after a crash: already done
            return api.stock[sku_code]
        if api.stock.get(sku_code, 0) + delta < 0:
            raise ChannelRefused(f"{sku_code}: only {api.stock.get(sku_code, 0)} left.")
        api.stock[sku_code] = api.stock.get(sku_code, 0) + delta
        api.applied.add(change_id)
        return api.stock[sku_code]

    def orders_since(self, cursor: str) -> ChannelOrders:
        after = int(cursor or 0)
        lines = [
            ChannelOrderLine(external_order_id=str(n), sku_code=code, quantity=qty)
            for n, code, qty in self._answer().orders
            if n > after
        ]
        return ChannelOrders(lines=lines, cursor=lines[-1].external_order_id if lines else cursor)
