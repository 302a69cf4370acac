"""Oversells on a channel's side, kept in its status for the merchant to see.

A channel whose platform does not re-check stock at checkout (django-oscar) can sell
more than it held; its adapter then offers :class:`OversellDetector`. This shop's own
stock is never oversold (its checkout and every move here are refused below zero), so
what is left to do is tell the merchant which SKU, by how much, and which orders there.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from plugins.catalog_sync import status as st
from plugins.catalog_sync.mapping import all_mapped
from plugins.catalog_sync.oscar_oversell import Oversell
from plugins.catalog_sync.status import OversellNote
from sdk.channels import ChannelStore
from sdk.client import ShopClient


@runtime_checkable
class OversellDetector(Protocol):
    """An adapter that can say where its platform sold beyond its stock."""

    def oversells(self) -> list[Oversell]:
        """Each SKU promised beyond its stock now, with the orders involved."""

    def noted_oversells(self) -> list[Oversell]:
        """Oversells the adapter saw before units given there covered them."""


def check_oversells(client: ShopClient, channel: str, store: ChannelStore) -> list[OversellNote]:
    """Run the channel's detector (if it has one) and keep what it finds in the status
    (the orders already reported stay); the oversells found now, noted ones included.
    :class:`~sdk.channels.ChannelUnavailable` passes to the caller."""
    if not isinstance(store, OversellDetector):
        return []
    now = datetime.now(UTC)
    # the adapter names its own codes; the merchant reads this shop's (mapped by hand: differ)
    ours = {m.channel_code: m.sku_code for m in all_mapped(client, channel)}
    found = [
        OversellNote(
            sku_code=ours.get(oversell.sku_code, oversell.sku_code),
            excess=oversell.excess,
            order_ids=list(oversell.order_ids),
            seen_at=now,
        )
        for oversell in [*store.noted_oversells(), *store.oversells()]
    ]
    return st.note_oversells(client, channel, found) if found else []
