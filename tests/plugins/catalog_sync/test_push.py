"""Events by signed webhook: a sale on the other shop of a Tanzi channel reaches this shop
within seconds, delivered by the live host's own worker (no job run by the test); a bad
signature moves nothing; an event delivered twice moves stock once."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlmodel import Session, select

import core.models as m
from core.crypto import decrypt_secret
from core.jobs.worker import start_embedded_worker
from plugins.catalog_sync import records as rec
from plugins.catalog_sync.push import hook_secret_name, hook_url, subscribe
from plugins.catalog_sync.sync import ChannelSync
from sdk.remote import signature_headers
from tests.plugins.catalog_sync.conftest import CHANNEL, CODE, TwoShops


def _hooks_url(t: TwoShops) -> str:
    return f"{t.live.url}/hooks/shops/{t.shop_a.id}/apps/catalog_sync"


def _published(t: TwoShops) -> ChannelSync:
    sku_a = t.product_a(CODE, 20)
    sync = t.connect()
    sync.publish([sku_a.product_id])
    assert (t.stock(t.shop_a, CODE), t.stock(t.shop_b, CODE)) == (10, 10)
    return sync


def _until(check: Callable[[], bool], timeout_s: float = 15.0) -> float:
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < timeout_s, "timed out"
        time.sleep(0.05)
    return time.monotonic() - start


@pytest.fixture
def worker(two_shops: TwoShops) -> Iterator[None]:
    """The host's job worker, as ``tanzi serve`` embeds it."""
    stop = start_embedded_worker(two_shops.settings)
    yield
    stop()


def test_connecting_subscribes_the_other_shop_to_this_hosts_route(two_shops: TwoShops) -> None:
    t = two_shops
    sync = _published(t)
    assert subscribe(t.client, sync.config, _hooks_url(t))
    with Session(t.engine) as session:
        row = session.get(m.Installation, _installation_b(t).id)
        assert row is not None
        assert row.webhook_url == hook_url(_hooks_url(t), CHANNEL)
        assert row.webhook_topics == ["inventory.changed"]
        sealed = decrypt_secret(t.settings.ensure_secret_key(), row.webhook_secret)
    assert t.client.secrets.get(hook_secret_name(CHANNEL)) == sealed


def _installation_b(t: TwoShops) -> m.Installation:
    with Session(t.engine) as session:
        return session.exec(
            select(m.Installation).where(m.Installation.shop_id == t.shop_b.id)
        ).one()


def test_a_sale_on_the_other_shop_moves_this_shops_stock_within_seconds(
    two_shops: TwoShops, worker: None
) -> None:
    t = two_shops
    sync = _published(t)
    assert subscribe(t.client, sync.config, _hooks_url(t))
    buyer = t.factory.headers(t.factory.account())
    with httpx.Client(base_url=t.live.url, timeout=30) as http:
        for n in range(4):
            assert t.buy(http, t.shop_b, t.sku_b(CODE).id or 0, buyer, f"p-{n}").status_code == 201
    assert t.stock(t.shop_b, CODE) == 6
    # 16 left: the channel's half is 8, so this shop gives it 2 of its own 10
    took = _until(lambda: (t.stock(t.shop_a, CODE), t.stock(t.shop_b, CODE)) == (8, 8))
    assert took < 10
    print(f"propagated in {took:.2f}s")
    time.sleep(1.0)  # the echoes of the move come back and change nothing
    assert (t.stock(t.shop_a, CODE), t.stock(t.shop_b, CODE)) == (8, 8)


def _event(t: TwoShops, event_id: str) -> bytes:
    sku_b = t.sku_b(CODE)
    return json.dumps(
        {
            "event_id": event_id,
            "topic": "inventory.changed",
            "shop_id": t.shop_b.id,
            "resource_type": "sku",
            "resource_id": sku_b.id,
            "sequence": 99,
            "occurred_at": "2026-01-01T00:00:00+00:00",
            "data": {
                "sku": {"id": sku_b.id, "product_id": sku_b.product_id, "code": CODE},
                "delta": -4,
                "stock": sku_b.stock,
            },
        }
    ).encode()


def _sell_on_b_by_hand(t: TwoShops, units: int) -> None:
    """A sale whose event we deliver ourselves (no worker runs in these tests)."""
    with Session(t.engine) as session:
        sku = session.get(m.Sku, t.sku_b(CODE).id)
        assert sku is not None
        sku.stock -= units
        session.add(sku)
        session.commit()


def test_a_bad_signature_is_refused_and_moves_nothing(two_shops: TwoShops) -> None:
    t = two_shops
    sync = _published(t)
    assert subscribe(t.client, sync.config, _hooks_url(t))
    _sell_on_b_by_hand(t, 4)
    body = _event(t, "evt-bad")
    url = hook_url(_hooks_url(t), CHANNEL)
    forged = signature_headers(
        "whsec_" + "A" * 44,
        body,
        event_id="evt-bad",
        topic="inventory.changed",
        timestamp=int(time.time()),
    )
    answer = httpx.post(url, content=body, headers=forged)
    assert answer.status_code == 401, answer.text
    assert answer.json()["code"] == "invalid_signature"
    unsigned = httpx.post(url, content=body)
    assert unsigned.status_code == 401
    assert (t.stock(t.shop_a, CODE), t.stock(t.shop_b, CODE)) == (10, 6)
    assert t.client.records.get(rec.SEEN, rec.key(CHANNEL, "hook", "evt-bad")) is None
    # a shop where the plugin does not run in-process (B has it as a remote app), a shop
    # that does not exist, a route the plugin does not have: not found
    other = f"{t.live.url}/hooks/shops/{t.shop_b.id}/apps/catalog_sync/channels/x/events"
    assert httpx.post(other, content=body).status_code == 404
    nowhere = f"{t.live.url}/hooks/shops/999999/apps/catalog_sync/channels/x/events"
    assert httpx.post(nowhere, content=body).status_code == 404
    assert httpx.post(f"{_hooks_url(t)}/nowhere", content=body).status_code == 404


def test_the_same_event_delivered_twice_moves_stock_once(two_shops: TwoShops) -> None:
    t = two_shops
    sync = _published(t)
    assert subscribe(t.client, sync.config, _hooks_url(t))
    secret = t.client.secrets.get(hook_secret_name(CHANNEL)) or ""
    _sell_on_b_by_hand(t, 4)
    body = _event(t, "evt-1")
    url = hook_url(_hooks_url(t), CHANNEL)
    outcomes = []
    for _ in range(2):
        headers = signature_headers(
            secret, body, event_id="evt-1", topic="inventory.changed", timestamp=int(time.time())
        )
        answer = httpx.post(url, content=body, headers=headers, timeout=30)
        assert answer.status_code == 200, answer.text
        outcomes.append(answer.json()["outcome"])
        assert (t.stock(t.shop_a, CODE), t.stock(t.shop_b, CODE)) == (8, 8)
    assert outcomes == ["rebalanced", "duplicate"]
    # a sale meanwhile: the repeated event still moves nothing (it was handled once)
    _sell_on_b_by_hand(t, 2)
    headers = signature_headers(
        secret, body, event_id="evt-1", topic="inventory.changed", timestamp=int(time.time())
    )
    assert httpx.post(url, content=body, headers=headers).json()["outcome"] == "duplicate"
    assert (t.stock(t.shop_a, CODE), t.stock(t.shop_b, CODE)) == (8, 6)


def test_50_buyers_on_each_side_buy_exactly_20_units_with_events_pushed(
    two_shops: TwoShops, worker: None
) -> None:
    """The race of test_stock_race, with nothing but the host's worker moving stock: this
    shop's sales through its own hook, the other shop's through the signed webhook."""
    t = two_shops
    sync = _published(t)
    assert subscribe(t.client, sync.config, _hooks_url(t))
    sku_a_id, sku_b_id = only_sku(t, t.shop_a), only_sku(t, t.shop_b)
    buyers = [t.factory.headers(t.factory.account()) for _ in range(10)]

    def in_flight() -> bool:
        return t.client.records.get(rec.TRANSFERS, rec.key(CHANNEL, CODE)) is not None

    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    with httpx.Client(base_url=t.live.url, timeout=60, limits=limits) as http:

        def buyer(n: int) -> int:
            shop, sku_id = (t.shop_a, sku_a_id) if n % 2 else (t.shop_b, sku_b_id)
            deadline = time.monotonic() + 60
            attempt = 0
            while time.monotonic() < deadline:  # back while either side shows stock
                attempt += 1
                answer = t.buy(http, shop, sku_id, buyers[n % 10], f"{n}-{attempt}")
                if answer.status_code == 201:
                    return 1
                assert answer.status_code in (409, 422), answer.text
                if t.stock(t.shop_a, CODE) + t.stock(t.shop_b, CODE) == 0 and not in_flight():
                    return 0
                time.sleep(0.05)
            return 0

        with ThreadPoolExecutor(max_workers=100) as pool:
            bought = sum(pool.map(buyer, range(100)))
    sold_a, sold_b = t.sold(t.shop_a, CODE), t.sold(t.shop_b, CODE)
    assert bought == 20 and sold_a + sold_b == 20
    assert t.stock(t.shop_a, CODE) == 0 and t.stock(t.shop_b, CODE) == 0
    assert sold_a > 0 and sold_b > 0


def only_sku(t: TwoShops, shop: m.Shop) -> int:
    """The id of the shop's SKU :data:`CODE`."""
    with Session(t.engine) as session:
        return (
            session.exec(select(m.Sku.id).where(m.Sku.shop_id == shop.id, m.Sku.code == CODE)).one()
            or 0
        )
