"""The Oscar adapter as a StockLedger, against the session's real Oscar: deltas refused
below zero, each change id applied once, also when the adapter restarts mid-change."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from plugins.catalog_sync.adapter_state import MemoryState
from sdk.channels import ChannelItem, ChannelRefused, StockLedger
from tests.channels.conftest import OscarSite
from tests.channels.oscar_buyers import Buyer

pytestmark = pytest.mark.slow


def _sku() -> str:
    return f"LEDGER-{uuid.uuid4().hex[:8].upper()}"


def _record(oscar: OscarSite, product_id: str) -> dict[str, Any]:
    """Our stock record as Oscar keeps it, read past the adapter."""
    product = httpx.get(
        f"{oscar.base_url}/api/admin/products/{product_id}/",
        headers={"Authorization": f"Token {oscar.token}"},
        timeout=10,
    ).json()
    return dict(product["stockrecords"][0])


def test_adjust_moves_stock_once_per_change_id_and_never_below_zero(oscar: OscarSite) -> None:
    sku = _sku()
    with oscar.channel() as channel:
        assert isinstance(channel, StockLedger)
        product_id = channel.upsert_item(ChannelItem(sku_code=sku, title="Keemun", stock=5))
        assert channel.adjust_stock(sku, 3, change_id="c1") == 8
        assert channel.adjust_stock(sku, 3, change_id="c1") == 8  # a retry: nothing more
        assert channel.adjust_stock(sku, -6, change_id="c2") == 2
        with pytest.raises(ChannelRefused, match="cannot take 3"):
            channel.adjust_stock(sku, -3, change_id="c3")
        assert channel.read_stock(sku) == 2
        # the refused change was not kept: the same id may still be applied later
        assert channel.adjust_stock(sku, -2, change_id="c3") == 0
    assert _record(oscar, product_id)["num_in_stock"] == 0


def test_a_checkouts_allocation_counts_and_is_kept(oscar: OscarSite) -> None:
    sku = _sku()
    with oscar.channel() as channel:
        product_id = channel.upsert_item(
            ChannelItem(sku_code=sku, title="Lapsang", price=Decimal("12"), stock=4)
        )
        buyer = Buyer(oscar.base_url)
        try:
            assert buyer.add(product_id, 3).status_code == 200
            buyer.checkout()
        finally:
            buyer.close()
        # four in stock, three allocated: one sellable, so taking two is refused
        with pytest.raises(ChannelRefused):
            channel.adjust_stock(sku, -2, change_id="take-2")
        assert channel.adjust_stock(sku, -1, change_id="take-1") == 0
        assert channel.adjust_stock(sku, 5, change_id="give-5") == 5
    record = _record(oscar, product_id)
    assert (record["num_in_stock"], record["num_allocated"]) == (8, 3)


def test_exactly_once_across_an_adapter_restart(oscar: OscarSite) -> None:
    sku = _sku()
    state = MemoryState()  # what outlives the adapter (the shop's records, in the sync)
    with oscar.channel() as setup:
        product_id = setup.upsert_item(ChannelItem(sku_code=sku, title="Yunnan", stock=10))

    # 1. the adapter died after Oscar took the write, before it marked the change applied
    with oscar.channel() as first:
        first.state = state
        first.adjust_stock(sku, 4, change_id="after-write")
    state.put("change:after-write", {**(state.get("change:after-write") or {}), "state": "pending"})
    with oscar.channel() as restarted:
        restarted.state = state
        assert restarted.adjust_stock(sku, 4, change_id="after-write") == 14
    assert _record(oscar, product_id)["num_in_stock"] == 14

    # 2. it died after journaling the change, before Oscar took the write
    state.put("change:before-write", {"state": "pending", "before": 14, "after": 11})
    with oscar.channel() as restarted:
        restarted.state = state
        assert restarted.adjust_stock(sku, -3, change_id="before-write") == 11
        assert restarted.adjust_stock(sku, -3, change_id="before-write") == 11
    assert _record(oscar, product_id)["num_in_stock"] == 11
    assert (state.get("change:before-write") or {})["state"] == "applied"

    # 3. a fresh adapter with the same state repeats nothing already applied
    with oscar.channel() as again:
        again.state = state
        assert again.adjust_stock(sku, 4, change_id="after-write") == 11
    assert _record(oscar, product_id)["num_in_stock"] == 11
