"""How much of a SKU's stock a channel may sell: all of it, a share, or a fixed number,
always leaving the safety buffer to this shop alone."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sdk.models import Snapshot

AllocationMode = Literal["all", "share", "fixed"]


class Allocation(Snapshot):
    """A channel's allocation rule. ``value`` is a percentage for ``share`` (0 to 100) and
    a number of units for ``fixed``; ``buffer`` units are never offered to the channel."""

    mode: AllocationMode = "share"
    value: int = Field(default=50, ge=0, le=10_000_000)
    buffer: int = Field(default=0, ge=0, le=10_000_000)


def channel_target(total: int, allocation: Allocation) -> int:
    """The units the channel should hold when ``total`` units are sellable in all."""
    offerable = max(0, total - allocation.buffer)
    if allocation.mode == "all":
        wanted = offerable
    elif allocation.mode == "fixed":
        wanted = allocation.value
    else:
        wanted = total * min(allocation.value, 100) // 100
    return max(0, min(wanted, offerable))
