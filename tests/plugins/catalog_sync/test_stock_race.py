"""Stock across two Tanzi shops never oversells: 50 concurrent buyers on each side of a
SKU with 20 units buy exactly 20, while the sync moves units between the sides."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from plugins.catalog_sync import records as rec
from plugins.catalog_sync.stock import ChannelBusy
from tests.plugins.catalog_sync.conftest import CHANNEL, CODE, TwoShops


def test_publishing_gives_the_channel_its_share_and_a_sale_there_lowers_this_shop(
    two_shops: TwoShops,
) -> None:
    t = two_shops
    sku_a = t.product_a(CODE, 20)
    sync = t.connect()
    items = sync.publish([sku_a.product_id])
    assert [(i.sku_code, i.sku_id) for i in items] == [(CODE, sku_a.id)]
    assert (t.stock(t.shop_a, CODE), t.stock(t.shop_b, CODE)) == (10, 10)
    buyer = t.factory.headers(t.factory.account())
    with httpx.Client(base_url=t.live.url, timeout=30) as http:
        for n in range(4):
            assert t.buy(http, t.shop_b, t.sku_b(CODE).id or 0, buyer, f"b-{n}").status_code == 201
    assert t.stock(t.shop_b, CODE) == 6
    # 16 left in all: the channel's half is 8, so shop A gives it 2 of its own 10
    assert sync.rebalance_code(CODE) == (8, 8)
    assert (t.stock(t.shop_a, CODE), t.stock(t.shop_b, CODE)) == (8, 8)
    assert sync.rebalance_code(CODE) == (8, 8)  # nothing to move twice


def test_50_buyers_on_each_side_buy_exactly_20_units(two_shops: TwoShops) -> None:
    t = two_shops
    sku_a = t.product_a(CODE, 20)
    sync = t.connect()
    sync.publish([sku_a.product_id])
    sku_b_id = t.sku_b(CODE).id or 0
    buyers = [t.factory.headers(t.factory.account()) for _ in range(10)]
    stop = threading.Event()
    moves = 0

    def sync_worker() -> None:  # what event deliveries do after each sale, as fast as it can
        nonlocal moves
        while not stop.is_set():
            try:
                sync.rebalance_code(CODE)
                moves += 1
            except ChannelBusy:
                pass
            time.sleep(0.005)

    def in_flight() -> bool:
        return t.client.records.get(rec.TRANSFERS, rec.key(CHANNEL, CODE)) is not None

    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    with httpx.Client(base_url=t.live.url, timeout=60, limits=limits) as http:

        def buyer(n: int) -> int:
            shop, sku_id = (t.shop_a, sku_a.id or 0) if n % 2 else (t.shop_b, sku_b_id)
            for attempt in range(400):  # a buyer comes back while either side shows stock
                answer = t.buy(http, shop, sku_id, buyers[n % 10], f"{n}-{attempt}")
                if answer.status_code == 201:
                    return 1
                assert answer.status_code in (409, 422), answer.text
                left = t.stock(t.shop_a, CODE) + t.stock(t.shop_b, CODE)
                if left == 0 and not in_flight():
                    return 0
                time.sleep(0.02)
            return 0

        worker = threading.Thread(target=sync_worker)
        worker.start()
        try:
            with ThreadPoolExecutor(max_workers=100) as pool:
                bought = sum(pool.map(buyer, range(100)))
        finally:
            stop.set()
            worker.join()
    sold_a, sold_b = t.sold(t.shop_a, CODE), t.sold(t.shop_b, CODE)
    assert bought == 20 and sold_a + sold_b == 20
    assert t.stock(t.shop_a, CODE) == 0 and t.stock(t.shop_b, CODE) == 0
    assert sold_a > 0 and sold_b > 0 and moves > 0
