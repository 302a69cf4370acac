"""Coupons' must-hold limits on the real host and database (SQLite, and PostgreSQL with
``TANZI_TEST_DATABASE_URL``): 500 buyers claiming 100 coupons at once get exactly 100, and
orders placed at once through the open API never use a coupon more often than it was
claimed, nor twice on one order."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

import core.models as m
from core.plugins.client import ScopedClient
from core.plugins.manager import PluginHost
from core.settings import Settings
from plugins.coupons import ledger
from plugins.coupons.terms import Coupon
from tests.conftest import Factory
from tests.core.test_orders import order_body
from tests.core.test_oversell import live_server, post_all
from tests.plugins_host.conftest import enable

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The host's own plugins.toml, whatever directory pytest runs from."""
    return settings.model_copy(update={"plugins_file": ROOT / "plugins.toml"})


def coupon(code: str, **kw: object) -> Coupon:
    now = ledger.now_utc()
    fields: dict[str, object] = {
        "code": code,
        "title": "Flash 10",
        "kind": "fixed",
        "amount_fen": 1000,
        "starts_at": now - timedelta(days=1),
        "ends_at": now + timedelta(days=1),
        "per_buyer_limit": 1,
        "total_quantity": 100,
    }
    fields.update(kw)
    return Coupon.model_validate(fields)


def coupons_client(app: FastAPI, engine: Engine, shop: m.Shop) -> ScopedClient:
    """The coupons plugin's client in ``shop``, as the host hands it to the plugin."""
    host: PluginHost = app.state.plugins
    assert host.plugins["coupons"].status.value == "active", host.plugins["coupons"].reason
    enable(engine, host, shop, "coupons")
    with Session(engine) as session:
        inst = host.shop_view(session, shop.id or 0).installations["coupons"]
    return ScopedClient(engine, inst)


def test_500_buyers_claiming_100_coupons_get_exactly_100(
    app: FastAPI, engine: Engine, factory: Factory
) -> None:
    client = coupons_client(app, engine, factory.shop())
    assert ledger.save_coupon(client, coupon("FLASH100"))
    now = ledger.now_utc()
    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(lambda b: ledger.claim(client, "FLASH100", b, now), range(1, 501)))
    assert results.count("claimed") == 100
    assert results.count("all_claimed") == 400
    assert ledger.counts(client, "FLASH100") == {"claimed": 100, "redeemed": 0}
    held = [ledger.holding(client, "FLASH100", b)["claimed"] for b in range(1, 501)]
    assert sorted(held) == [0] * 400 + [1] * 100  # refused buyers were given their step back
    assert ledger.claim(client, "FLASH100", 1, now) in ("limit_reached", "all_claimed")


def test_one_buyer_racing_claims_stays_within_the_per_buyer_limit(
    app: FastAPI, engine: Engine, factory: Factory
) -> None:
    client = coupons_client(app, engine, factory.shop())
    assert ledger.save_coupon(client, coupon("EACH3", per_buyer_limit=3))
    now = ledger.now_utc()
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda _: ledger.claim(client, "EACH3", 7, now), range(40)))
    assert results.count("claimed") == 3
    assert ledger.counts(client, "EACH3")["claimed"] == 3


def test_orders_at_once_use_a_coupon_only_as_often_as_it_was_claimed(
    app: FastAPI, engine: Engine, factory: Factory
) -> None:
    shop = factory.shop()
    _, sku = factory.product(shop, price_fen=5000, stock=100)
    client = coupons_client(app, engine, shop)
    assert ledger.save_coupon(client, coupon("TWICE", per_buyer_limit=2, min_spend_fen=3000))
    buyer = factory.account()
    headers = factory.headers(buyer)
    now = ledger.now_utc()
    assert [ledger.claim(client, "TWICE", buyer.id or 0, now) for _ in range(2)] == ["claimed"] * 2
    path = f"/api/v1/storefront/shops/{shop.id}/orders"
    body = order_body(sku.id, codes=["twice"])  # typed in lower case
    requests = [(path, {**headers, "Idempotency-Key": f"coupon-{i}"}, body) for i in range(12)]
    # the same request repeated (one idempotency key) is one order with one use
    requests += [(path, {**headers, "Idempotency-Key": "coupon-0"}, body)] * 3
    with live_server(app) as base_url:
        answers = post_all(base_url, requests, workers=15)
    assert all(a.status_code in (200, 201) for a in answers), [a.text for a in answers]
    with Session(engine) as session:
        orders = session.exec(select(m.Order).where(m.Order.shop_id == shop.id)).all()
    assert len(orders) == 12
    assert sorted(o.adjustments_fen for o in orders) == [-1000, -1000] + [0] * 10
    assert all(o.total_fen == o.subtotal_fen + o.adjustments_fen for o in orders)
    assert ledger.counts(client, "TWICE") == {"claimed": 2, "redeemed": 2}
    assert ledger.holding(client, "TWICE", buyer.id or 0) == {"claimed": 2, "used": 2}
    assert len(list(ledger.redemptions(client))) == 2


def test_an_order_below_the_threshold_or_without_a_claim_gets_no_discount(
    app: FastAPI, engine: Engine, factory: Factory
) -> None:
    shop = factory.shop()
    _, sku = factory.product(shop, price_fen=2000, stock=100)
    client = coupons_client(app, engine, shop)
    assert ledger.save_coupon(client, coupon("OVER30", min_spend_fen=3000))
    holder, stranger = factory.account(), factory.account()
    assert ledger.claim(client, "OVER30", holder.id or 0, ledger.now_utc()) == "claimed"
    path = f"/api/v1/storefront/shops/{shop.id}/orders"
    with live_server(app) as base_url:
        small, other, big = post_all(
            base_url,
            [
                (
                    path,
                    {**factory.headers(holder), "Idempotency-Key": "a"},
                    order_body(sku.id, codes=["OVER30"]),
                ),
                (
                    path,
                    {**factory.headers(stranger), "Idempotency-Key": "b"},
                    order_body(sku.id, 2, codes=["OVER30"]),
                ),
                (
                    path,
                    {**factory.headers(holder), "Idempotency-Key": "c"},
                    order_body(sku.id, 2, codes=["OVER30"]),
                ),
            ],
            workers=1,
        )
    assert [a.json()["adjustments_fen"] for a in (small, other, big)] == [0, 0, -1000]
    with Session(engine) as session:
        assert session.exec(select(func.count(col(m.Order.id)))).one() == 3
