"""The adapter keeps the contract: moves never go below zero, a repeated change id is
applied once, and a platform that does not answer says so."""

from __future__ import annotations

import pytest
from tea_platform import TeaPlatformApi, TeaPlatformChannel

from sdk.channels import ChannelItem, ChannelRefused, ChannelUnavailable, StockLedger


def test_the_adapter_keeps_the_channel_contract() -> None:
    api = TeaPlatformApi()
    channel = TeaPlatformChannel(api)
    assert isinstance(channel, StockLedger)
    channel.upsert_item(ChannelItem(sku_code="LJ-250", title="Longjing 250 g"))
    assert channel.adjust_stock("LJ-250", 5, change_id="move-1-in") == 5
    assert channel.adjust_stock("LJ-250", 5, change_id="move-1-in") == 5  # a retry
    with pytest.raises(ChannelRefused):
        channel.adjust_stock("LJ-250", -6, change_id="move-2-out")
    api.orders.append((1, "LJ-250", 2))
    page = channel.orders_since("")
    assert [(line.sku_code, line.quantity) for line in page.lines] == [("LJ-250", 2)]
    assert channel.orders_since(page.cursor).lines == []
    api.up = False
    with pytest.raises(ChannelUnavailable):
        channel.read_stock("LJ-250")
