"""Channels: the contract between a catalog-sync service and another platform's store.

A sync service keeps one catalog and one stock across this shop and other stores. Each
other store is reached through a :class:`ChannelStore`: an adapter a provider writes once
per platform (another Tanzi, a third-party commerce platform). The service maps this
shop's SKU codes onto the other side's items, pushes local changes, pulls the other
side's orders and reconciles what drifted; it never needs to know which platform it talks
to.

Stock on a channel is the quantity that channel may sell (for platforms that allocate
stock at checkout this is "in stock minus allocated"). An adapter raises
:class:`ChannelUnavailable` when the other side cannot answer (connection refused,
timeout, 5xx): the service pauses that channel with the reason and catches up later.

An adapter whose platform can change stock by a delta in one step, refused below zero,
also implements :class:`StockLedger`: the sync then moves units between this shop and
the channel without ever overwriting a sale made meanwhile (a channel that only has
``set_stock`` gets its allocation re-pushed after each sale instead).

An adapter that can change some fields of an existing item and leave the rest (stock
above all) as they are also implements :class:`ItemEditor`: the sync then settles a
title or price that differs on the two sides without touching the channel's stock.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Protocol, runtime_checkable

from sdk.models import Snapshot


class ChannelError(Exception):
    """Base of the errors a channel adapter raises on purpose."""

    code: str = "channel_error"


class ChannelUnavailable(ChannelError):
    """The other platform could not answer; the channel pauses and retries later."""

    code = "channel_unavailable"


class ChannelRefused(ChannelError):
    """The other platform refused one item (bad data, unknown item); others go on."""

    code = "channel_refused"


class ChannelItem(Snapshot):
    """One sellable item as the other side keeps it, keyed by the shared SKU code."""

    sku_code: str
    external_id: str = ""
    title: str = ""
    description: str = ""
    price: Decimal = Decimal("0")
    stock: int = 0
    updated_at: datetime | None = None


class ChannelOrderLine(Snapshot):
    """One line of an order placed on the other side, as the sync reads it back."""

    external_order_id: str
    sku_code: str
    quantity: int
    placed_at: datetime | None = None


class ChannelOrders(Snapshot):
    """A page of the other side's order lines and the cursor to read the next from."""

    lines: list[ChannelOrderLine]
    cursor: str = ""


@runtime_checkable
class ChannelStore(Protocol):
    """An adapter to another platform's store; every call may do network I/O."""

    def check(self) -> None:
        """Raise :class:`ChannelUnavailable` unless the other side answers and accepts us."""

    def list_items(self) -> Iterator[ChannelItem]:
        """Every item on the other side, with its sellable stock."""

    def upsert_item(self, item: ChannelItem) -> str:
        """Create or update the item with ``item.sku_code``; return its external id."""

    def set_stock(self, sku_code: str, sellable: int) -> None:
        """Make the other side sell at most ``sellable`` units of ``sku_code``."""

    def read_stock(self, sku_code: str) -> int:
        """What the other side may still sell of ``sku_code``."""

    def orders_since(self, cursor: str) -> ChannelOrders:
        """Order lines placed on the other side after ``cursor`` ("" = from the start)."""


@runtime_checkable
class StockLedger(ChannelStore, Protocol):
    """A channel that changes stock atomically: what a never-oversell transfer needs."""

    def adjust_stock(self, sku_code: str, delta: int, *, change_id: str) -> int:
        """Add ``delta`` (negative: take) to what the other side may sell of ``sku_code``
        in one step and return the new amount; raise :class:`ChannelRefused` and change
        nothing when it would fall below zero. A call repeating an earlier ``change_id``
        (a retry after a crash) changes nothing: each change is applied once."""


@runtime_checkable
class ItemEditor(ChannelStore, Protocol):
    """A channel that can change some fields of an existing item, leaving the others."""

    def update_fields(
        self,
        sku_code: str,
        *,
        title: str | None = None,
        description: str | None = None,
        price: Decimal | None = None,
    ) -> None:
        """Write the given fields (``None`` leaves one as it is) of the item ``sku_code``;
        its stock is never changed. Raise :class:`ChannelRefused` when there is no such
        item or the platform refuses the values."""
