"""The kernel really calls catalog_sync's ``inventory_changed`` hook after a sale, and the
hook moves stock once per event id."""

from __future__ import annotations

import httpx
from sqlmodel import Session, col, select

import core.models as m
from core.plugins import delivery, fanout
from core.plugins.client_host import ClientHost
from core.plugins.manager import PluginHost
from tests.plugins.catalog_sync.conftest import CODE, TwoShops


def _sync_moves(t: TwoShops) -> int:
    """How many stock changes the sync made (each carries its change id)."""
    with Session(t.engine) as session:
        events = session.exec(
            select(m.OutboxEvent).where(col(m.OutboxEvent.name) == "inventory_changed")
        ).all()
    return sum(1 for e in events if str(e.payload.get("change_id", "")).startswith("sync-"))


def test_a_sale_here_rebalances_the_channel_through_the_event_hook(
    two_shops: TwoShops, sync_host: PluginHost
) -> None:
    t = two_shops
    sku_a = t.product_a(CODE, 20)
    t.connect().publish([sku_a.product_id])
    host = ClientHost.of(t.settings)
    for i in fanout.dispatch_outbox(t.engine, sync_host):  # the publish's own stock moves
        delivery.deliver(t.engine, sync_host, i, client_host=host)
    assert (t.stock(t.shop_a, CODE), t.stock(t.shop_b, CODE)) == (10, 10)
    buyer = t.factory.headers(t.factory.account())
    with httpx.Client(base_url=t.live.url, timeout=30) as http:
        answer = t.buy(http, t.shop_a, sku_a.id or 0, buyer, "a-1")
        assert answer.status_code == 201
        answer = t.buy(http, t.shop_a, sku_a.id or 0, buyer, "a-2")
        assert answer.status_code == 201
    assert t.stock(t.shop_a, CODE) == 8
    assert _sync_moves(t) > 0  # publishing moved units with change ids
    ids = fanout.dispatch_outbox(t.engine, sync_host)
    results = [delivery.deliver(t.engine, sync_host, i, client_host=host) for i in ids]
    assert results and all(r.status == "delivered" for r in results), results
    # 18 left: the channel's half is 9, so one unit came back from it to shop A
    assert (t.stock(t.shop_a, CODE), t.stock(t.shop_b, CODE)) == (9, 9)
    with Session(t.engine) as session:
        first = session.get(m.Delivery, ids[0])
        assert first is not None
        first.status = "pending"  # the worker died before recording it: delivered again
        session.add(first)
        session.commit()
    moves = _sync_moves(t)
    with Session(t.engine) as session:  # now a rebalance would have units to move
        sku_b = session.get(m.Sku, t.sku_b(CODE).id)
        assert sku_b is not None
        sku_b.stock = 5
        session.add(sku_b)
        session.commit()
    again = delivery.deliver(t.engine, sync_host, ids[0], client_host=host)
    assert again.status == "delivered"
    # the repeated event id was recognised: no rebalance ran, nothing moved
    assert (t.stock(t.shop_a, CODE), t.stock(t.shop_b, CODE)) == (9, 5)
    assert _sync_moves(t) == moves
