"""Oversells on a channel that takes orders without re-checking stock, and who caused them.

django-oscar's checkout *allocates* stock (``num_allocated``) without lowering
``num_in_stock`` and without checking that enough is left, so concurrent checkouts can
promise more units than exist. :func:`find_oversells` is the pure rule the sync applies
to what it read from such a channel: per SKU, the units promised beyond the units there
were, and the orders that took them (first come, first served: the orders placed after
the stock ran out are the oversold ones).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sdk.channels import ChannelOrderLine

_EARLIEST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class StockLevel:
    """What a channel had of one SKU and what it has promised to orders.

    ``in_stock`` is the number of units the channel had to sell; ``allocated`` the units
    its open orders hold, or ``None`` when the channel does not say (then the order lines
    given to :func:`find_oversells` are the promises).
    """

    sku_code: str
    in_stock: int
    allocated: int | None = None


@dataclass(frozen=True)
class Oversell:
    """One SKU sold beyond its stock: by how many units, and in which orders."""

    sku_code: str
    in_stock: int
    promised: int
    order_ids: tuple[str, ...]

    @property
    def excess(self) -> int:
        """Units promised to buyers that the channel did not have."""
        return self.promised - self.in_stock


def find_oversells(
    levels: Iterable[StockLevel], lines: Iterable[ChannelOrderLine]
) -> list[Oversell]:
    """Every SKU of ``levels`` promised beyond its stock, with the orders involved.

    The promised units are the channel's ``allocated`` count when it gives one, else the
    sum of ``lines`` for that SKU (the larger of the two when both say more than stock).
    The orders named are the latest ones whose quantities cover the excess, in the order
    they were placed; an order that took the last unit and one more is named too.
    """
    lines_by_sku: dict[str, list[ChannelOrderLine]] = defaultdict(list)
    for line in lines:
        lines_by_sku[line.sku_code].append(line)
    found: list[Oversell] = []
    for level in levels:
        sku_lines = sorted(
            lines_by_sku.get(level.sku_code, []),
            key=lambda line: (line.placed_at or _EARLIEST, line.external_order_id),
        )
        ordered = sum(line.quantity for line in sku_lines)
        promised = max(ordered, level.allocated or 0)
        if promised <= level.in_stock:
            continue
        found.append(
            Oversell(
                sku_code=level.sku_code,
                in_stock=level.in_stock,
                promised=promised,
                order_ids=_orders_beyond(sku_lines, promised - level.in_stock),
            )
        )
    return found


def _orders_beyond(lines: list[ChannelOrderLine], excess: int) -> tuple[str, ...]:
    """The orders, newest first until ``excess`` units are covered, in placement order."""
    named: list[str] = []
    covered = 0
    for line in reversed(lines):
        if covered >= excess:
            break
        covered += line.quantity
        if line.external_order_id not in named:
            named.append(line.external_order_id)
    return tuple(reversed(named))
