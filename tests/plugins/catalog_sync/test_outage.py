"""The other shop down: the channel pauses with the reason, nothing is oversold meanwhile,
and it catches up when the shop is back. A worker killed mid-move gives the units once."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from plugins.catalog_sync import records as rec
from plugins.catalog_sync.channels import ChannelConfig, channel_config
from plugins.catalog_sync.status import read_status
from plugins.catalog_sync.sync import ChannelSync
from tests.plugins.catalog_sync.conftest import CHANNEL, CODE, PortServer, TwoShops, only_item


def test_the_other_shop_down_pauses_the_channel_and_it_catches_up_when_back(
    two_shops: TwoShops, app: FastAPI
) -> None:
    t = two_shops
    sku_a = t.product_a(CODE, 20)
    with PortServer(app, 0) as other:
        port = int(other.url.rsplit(":", 1)[1])
        sync = t.connect(url=other.url)
        sync.publish([sku_a.product_id])
    # the other shop's host is down now; a sale here asks for a rebalance
    buyer = t.factory.headers(t.factory.account())
    with httpx.Client(base_url=t.live.url, timeout=30) as http:
        for n in range(6):
            assert t.buy(http, t.shop_a, sku_a.id or 0, buyer, f"a-{n}").status_code == 201
    assert sync.rebalance(only_item(sync)) is None
    status = read_status(t.client, CHANNEL)
    assert status.state == "paused" and "did not answer" in status.reason
    assert (t.stock(t.shop_a, CODE), t.stock(t.shop_b, CODE)) == (4, 10)
    assert sync.rebalance(only_item(sync)) is None  # paused: nothing is tried
    assert sync.resume() is False
    assert read_status(t.client, CHANNEL).state == "paused"
    with PortServer(app, port):
        assert sync.resume() is True
        assert read_status(t.client, CHANNEL).state == "active"
        # 14 left: the channel's half is 7, so it gave 3 back to shop A
        assert (t.stock(t.shop_a, CODE), t.stock(t.shop_b, CODE)) == (7, 7)
        assert read_status(t.client, CHANNEL).last_sync is not None


class Killed(BaseException):
    """The worker process died here (nothing catches it)."""


class KillOnce:
    """The channel's store, killing the worker once just before (or just after) the
    channel's side of a move to it landed."""

    def __init__(self, inner: object, *, after_give: bool) -> None:
        self.inner = inner
        self.after_give = after_give
        self.killed = False

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def adjust_stock(self, sku_code: str, delta: int, *, change_id: str) -> int:
        if delta > 0 and not self.killed:
            self.killed = True
            if self.after_give:
                self.inner.adjust_stock(sku_code, delta, change_id=change_id)  # type: ignore[attr-defined]
            raise Killed
        return self.inner.adjust_stock(sku_code, delta, change_id=change_id)  # type: ignore[attr-defined]


def _config(t: TwoShops) -> ChannelConfig:
    found = channel_config(t.client, CHANNEL)
    assert found is not None
    return found


@pytest.mark.parametrize("after_give", [False, True], ids=["before-give", "after-give"])
def test_a_worker_killed_mid_move_gives_the_units_exactly_once(
    two_shops: TwoShops, after_give: bool
) -> None:
    t = two_shops
    sku_a = t.product_a(CODE, 20)
    sync = t.connect()
    sync.publish([sku_a.product_id])
    buyer = t.factory.headers(t.factory.account())
    with httpx.Client(base_url=t.live.url, timeout=30) as http:
        for n in range(6):
            answer = t.buy(http, t.shop_b, t.sku_b(CODE).id or 0, buyer, f"b-{n}")
            assert answer.status_code == 201
    assert (t.stock(t.shop_a, CODE), t.stock(t.shop_b, CODE)) == (10, 4)
    killer = KillOnce(sync.store, after_give=after_give)
    dying = ChannelSync(t.client, _config(t), store=killer)  # type: ignore[arg-type]
    with pytest.raises(Killed):
        dying.rebalance(only_item(sync))
    # 14 left, target 7: 3 units left shop A; the journal holds them
    assert t.stock(t.shop_a, CODE) == 7
    journal = t.client.records.get(rec.TRANSFERS, rec.key(CHANNEL, CODE))
    assert journal is not None and (journal.data["quantity"], journal.data["state"]) == (
        3,
        "giving",
    )
    assert t.stock(t.shop_b, CODE) == (7 if after_give else 4)
    t.client.records.delete(rec.LEASES, rec.key(CHANNEL, CODE))  # the dead worker's lease
    restarted = ChannelSync(t.client, _config(t))
    assert restarted.rebalance(only_item(sync)) == (7, 7)
    assert (t.stock(t.shop_a, CODE), t.stock(t.shop_b, CODE)) == (7, 7)
    assert t.client.records.get(rec.TRANSFERS, rec.key(CHANNEL, CODE)) is None
    assert t.sold(t.shop_a, CODE) + t.sold(t.shop_b, CODE) + 7 + 7 == 20
