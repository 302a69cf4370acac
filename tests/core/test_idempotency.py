"""Idempotency-Key: a retried order request returns the first order, never a second one."""

from __future__ import annotations

from collections import Counter

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

import core.models as m
from tests.conftest import Factory
from tests.core.test_orders import events, order_body, place, stock_of
from tests.core.test_oversell import live_server, post_all


def _order_count(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(m.Order)).one()


def test_same_request_twice_gives_one_order(
    client: TestClient, engine: Engine, factory: Factory
) -> None:
    shop = factory.shop()
    _, sku = factory.product(shop, stock=5)
    buyer = factory.headers(factory.account())
    first = place(client, shop.id, buyer, order_body(sku.id, 2), "retry-me")
    second = place(client, shop.id, buyer, order_body(sku.id, 2), "retry-me")
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert _order_count(engine) == 1
    assert stock_of(engine, sku.id) == 3
    assert len(events(engine, "order_created")) == 1


def test_replay_still_answers_after_stock_ran_out(
    client: TestClient, engine: Engine, factory: Factory
) -> None:
    shop = factory.shop()
    _, sku = factory.product(shop, stock=1)
    buyer = factory.headers(factory.account())
    first = place(client, shop.id, buyer, order_body(sku.id), "last-one")
    assert first.status_code == 201
    again = place(client, shop.id, buyer, order_body(sku.id), "last-one")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]


def test_different_body_same_key_is_refused(
    client: TestClient, engine: Engine, factory: Factory
) -> None:
    shop = factory.shop()
    _, sku = factory.product(shop, stock=5)
    buyer = factory.headers(factory.account())
    assert place(client, shop.id, buyer, order_body(sku.id, 1), "k").status_code == 201
    other = place(client, shop.id, buyer, order_body(sku.id, 2), "k")
    assert other.status_code == 409
    problem = other.json()
    assert problem["code"] == "idempotency_key_reused"
    assert problem["errors"][0]["field"] == "header.Idempotency-Key"
    assert _order_count(engine) == 1
    assert stock_of(engine, sku.id) == 4


def test_keys_are_per_buyer_and_shop(client: TestClient, engine: Engine, factory: Factory) -> None:
    shop = factory.shop()
    other_shop = factory.shop()
    _, sku = factory.product(shop)
    _, other_sku = factory.product(other_shop)
    alice = factory.headers(factory.account())
    bob = factory.headers(factory.account())
    assert place(client, shop.id, alice, order_body(sku.id), "same").status_code == 201
    assert place(client, shop.id, bob, order_body(sku.id), "same").status_code == 201
    assert place(client, other_shop.id, alice, order_body(other_sku.id), "same").status_code == 201
    assert _order_count(engine) == 3


def test_identical_requests_at_once_give_one_order(
    app: FastAPI, engine: Engine, factory: Factory
) -> None:
    shop = factory.shop()
    _, sku = factory.product(shop, stock=100)
    buyer = factory.headers(factory.account())
    path = f"/api/v1/storefront/shops/{shop.id}/orders"
    rounds = 8
    requests = [
        (path, {**buyer, "Idempotency-Key": f"burst-{r}"}, order_body(sku.id, 2))
        for r in range(rounds)
        for _ in range(5)
    ]
    with live_server(app) as base_url:
        responses = post_all(base_url, requests, workers=20)
    assert Counter(r.status_code for r in responses) == {201: rounds, 200: 4 * rounds}
    for r in range(rounds):
        ids = {resp.json()["id"] for resp in responses[r * 5 : r * 5 + 5]}
        assert len(ids) == 1
    assert _order_count(engine) == rounds
    assert stock_of(engine, sku.id) == 100 - 2 * rounds
