"""A Tanzi shop with a channel to the session's real Oscar: publish, sell on both sides at
once, reconcile. Tanzi never sells a unit it does not have; every Oscar oversell is in the
channel's status and report with the Oscar orders that took it."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import core.models as m
from core.plugins.client import ScopedClient
from core.plugins.client_host import ClientHost
from core.settings import Settings
from plugins.catalog_sync import catch_up
from plugins.catalog_sync import records as rec
from plugins.catalog_sync.allocation import Allocation
from plugins.catalog_sync.channels import ChannelConfig, open_store
from plugins.catalog_sync.mapping import mapped
from plugins.catalog_sync.oscar import OscarChannel
from plugins.catalog_sync.pages import connect_page, home_page
from plugins.catalog_sync.reconcile import reconcile
from plugins.catalog_sync.status import read_status
from plugins.catalog_sync.stock import ChannelBusy
from plugins.catalog_sync.sync import ChannelSync
from tests.channels.conftest import OscarSite
from tests.channels.oscar_buyers import Buyer
from tests.conftest import Factory
from tests.contract.conftest import LiveServer, installation_ref
from tests.core.test_orders import order_body
from tests.plugins.catalog_sync.conftest import CHANNEL_SCOPES, _installation

pytestmark = pytest.mark.slow

NAME = "oscar"


@dataclass
class OscarShop:
    """A Tanzi shop running catalog_sync, its live host, and the Oscar channel."""

    engine: Engine
    factory: Factory
    live: LiveServer
    shop: m.Shop
    client: ScopedClient
    oscar: OscarSite

    def product(self, code: str, stock: int) -> m.Sku:
        _, sku = self.factory.product(self.shop, stock=stock)
        with Session(self.engine, expire_on_commit=False) as session:
            sku.code = code
            session.add(sku)
            session.commit()
        return sku

    def connect(self, allocation: Allocation) -> ChannelSync:
        """What the connect form does, then the channel's sync as the jobs open it."""
        page = connect_page(
            self.client,
            {
                "name": NAME,
                "kind": "oscar",
                "base_url": self.oscar.base_url,
                "partner_id": str(self.oscar.partner_id),
                "product_class": self.oscar.product_class,
                "token": self.oscar.token,
                "mode": allocation.mode,
                "value": str(allocation.value),
            },
        )
        assert "Done." in page.html
        config = ChannelConfig.model_validate(self.client.records.get(rec.CHANNELS, NAME).data)  # type: ignore[union-attr]
        return ChannelSync(self.client, config)

    def stock(self, sku_id: int) -> int:
        with Session(self.engine) as session:
            sku = session.get(m.Sku, sku_id)
            assert sku is not None
            return sku.stock

    def sold(self, sku_id: int) -> int:
        with Session(self.engine) as session:
            lines = session.exec(select(m.OrderLine).where(m.OrderLine.sku_id == sku_id)).all()
            return sum(line.quantity for line in lines)


@pytest.fixture
def oscar_shop(
    engine: Engine, settings: Settings, factory: Factory, app: FastAPI, oscar: OscarSite
) -> Iterator[OscarShop]:
    shop = factory.shop(name="摊子 Oscar")
    installation = _installation(engine, shop, "plugin")
    client = ScopedClient(
        engine, installation_ref(installation, CHANNEL_SCOPES), host=ClientHost.of(settings)
    )
    with LiveServer(app) as live:
        yield OscarShop(engine, factory, live, shop, client, oscar)


def _oscar_record(oscar: OscarSite, sku_code: str) -> dict[str, Any]:
    products = httpx.get(
        f"{oscar.base_url}/api/admin/products/",
        headers={"Authorization": f"Token {oscar.token}"},
        timeout=30,
    ).json()
    [product] = [p for p in products if p["upc"] == sku_code]
    return dict(product["stockrecords"][0])


def test_the_connect_form_keeps_an_oscar_channel_and_seals_its_token(
    oscar_shop: OscarShop,
) -> None:
    t = oscar_shop
    sync = t.connect(Allocation(mode="fixed", value=4))
    assert sync.config.kind == "oscar" and sync.config.partner_id == t.oscar.partner_id
    assert isinstance(sync.store, OscarChannel)
    sync.store.check()  # the sealed token opens Oscar's admin API
    assert t.oscar.token not in str(t.client.records.get(rec.CHANNELS, NAME).data)  # type: ignore[union-attr]
    page = home_page(t.client)
    assert f"django-oscar {t.oscar.base_url}" in page.html
    assert t.oscar.token not in page.html
    # an Oscar channel without its partner is refused with the reason
    refused = connect_page(
        t.client, {"name": "bad", "kind": "oscar", "base_url": t.oscar.base_url, "token": "x"}
    )
    assert "partner id and the product class" in refused.html


def test_publishing_to_oscar_moves_the_share_and_a_sale_there_comes_back(
    oscar_shop: OscarShop,
) -> None:
    t = oscar_shop
    code = f"OSC-{uuid.uuid4().hex[:8].upper()}"
    sku = t.product(code, 12)
    sync = t.connect(Allocation(mode="share", value=50))
    [item] = sync.publish([sku.product_id])
    assert (t.stock(sku.id or 0), sync.store.read_stock(code)) == (6, 6)
    buyer = Buyer(t.oscar.base_url)
    try:
        assert buyer.add(item.external_id, 2).status_code == 200
        buyer.checkout()
    finally:
        buyer.close()
    # 10 left in all: Oscar's half is 5, so this shop gives it one of its six
    assert sync.rebalance_code(code) == (5, 5)
    record = _oscar_record(t.oscar, code)
    assert (record["num_in_stock"], record["num_allocated"]) == (7, 2)
    # the moves' change ids were kept in the shop's records, where a restart finds them
    state = [r.key for r in t.client.records.list(rec.ADAPTER_STATE, limit=200)]
    assert any(key.startswith(f"{NAME}:change:sync-") for key in state)


def test_oscar_oversells_are_reported_with_their_orders_and_tanzi_never_oversells(
    oscar_shop: OscarShop,
) -> None:
    t = oscar_shop
    code = f"OSC-{uuid.uuid4().hex[:8].upper()}"
    total, oscar_buyers, tanzi_buyers = 20, 18, 16
    sku = t.product(code, total)
    sync = t.connect(Allocation(mode="share", value=50))
    [item] = sync.publish([sku.product_id])
    assert (t.stock(sku.id or 0), sync.store.read_stock(code)) == (10, 10)

    buyers = [Buyer(t.oscar.base_url) for _ in range(oscar_buyers)]
    # every basket takes the unit: Oscar allocates only at checkout and never re-checks
    assert all(buyer.add(item.external_id).status_code == 200 for buyer in buyers)
    accounts = [t.factory.headers(t.factory.account()) for _ in range(tanzi_buyers)]
    barrier = threading.Barrier(oscar_buyers + tanzi_buyers)
    stop = threading.Event()

    def sync_worker() -> None:  # what the inventory events do after each sale here
        worker = ChannelSync(t.client, sync.config, open_store(t.client, sync.config))
        while not stop.is_set():
            with suppress(ChannelBusy):
                worker.rebalance_code(code)
            time.sleep(0.01)

    def oscar_checkout(buyer: Buyer) -> str:
        barrier.wait()
        try:
            return str(buyer.checkout()["number"])
        finally:
            buyer.close()

    limits = httpx.Limits(max_connections=50, max_keepalive_connections=50)
    with httpx.Client(base_url=t.live.url, timeout=60, limits=limits) as http:

        def tanzi_buy(n: int) -> bool:
            barrier.wait()
            answer = http.post(
                f"/api/v1/storefront/shops/{t.shop.id}/orders",
                json=order_body(sku.id or 0),
                headers={**accounts[n], "Idempotency-Key": f"oscar-race-{n}"},
            )
            assert answer.status_code in (201, 409, 422), answer.text
            return answer.status_code == 201

        worker = threading.Thread(target=sync_worker)
        worker.start()
        try:
            with ThreadPoolExecutor(max_workers=oscar_buyers + tanzi_buyers) as pool:
                oscar_orders = pool.map(oscar_checkout, buyers)
                tanzi_orders = pool.map(tanzi_buy, range(tanzi_buyers))
                numbers, bought_here = list(oscar_orders), sum(tanzi_orders)
        finally:
            stop.set()
            worker.join()

    report = reconcile(sync)
    assert report.paused == ""
    # Tanzi sold only units it had: what it sold, holds and gave Oscar is what it started with
    given_to_oscar = int(_oscar_record(t.oscar, code)["num_in_stock"])
    assert t.sold(sku.id or 0) == bought_here
    assert bought_here + t.stock(sku.id or 0) + given_to_oscar == total
    assert 0 < bought_here <= total
    # Oscar took every order: 18 units promised against at most what this shop gave it
    assert len(set(numbers)) == oscar_buyers
    shortfall = oscar_buyers - given_to_oscar
    [noted] = [o for o in read_status(t.client, NAME).oversells if o.sku_code == code]
    assert set(noted.order_ids) <= set(numbers)
    assert len(noted.order_ids) >= max(shortfall, 1) and noted.excess >= 1
    # the report of the run names the same SKU and orders for the merchant
    [reported] = [o for o in report.oversells if o.sku_code == code]
    assert reported.order_ids == noted.order_ids
    page = home_page(t.client).html
    assert "Sold beyond stock there" in page and noted.order_ids[-1] in page
    # sync now reads them again and keeps them, the orders not doubled
    assert catch_up(sync) is True
    [again] = [o for o in read_status(t.client, NAME).oversells if o.sku_code == code]
    assert sorted(again.order_ids) == sorted(noted.order_ids)
    assert mapped(t.client, NAME, code) is not None
