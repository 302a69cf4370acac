"""No oversell under real concurrency: a uvicorn server in a thread, many HTTP clients.

Runs on SQLite (``BEGIN IMMEDIATE`` serializes writers) and on PostgreSQL (``FOR UPDATE``
row locks in SKU id order) alike.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

import core.models as m
from tests.conftest import Factory
from tests.core.test_orders import order_body, stock_of


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in a thread; yield its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", backlog=512)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def post_all(
    base_url: str, requests: list[tuple[str, dict[str, str], dict[str, Any]]], workers: int = 50
) -> list[httpx.Response]:
    """POST every ``(path, headers, body)`` from a pool of ``workers`` threads."""
    limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
    with httpx.Client(base_url=base_url, timeout=60, limits=limits) as http:

        def send(item: tuple[str, dict[str, str], dict[str, Any]]) -> httpx.Response:
            path, headers, body = item
            return http.post(path, json=body, headers=headers)

        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(send, requests))


def test_200_concurrent_orders_for_10_in_stock(
    app: FastAPI, engine: Engine, factory: Factory
) -> None:
    shop = factory.shop()
    _, sku = factory.product(shop, stock=10)
    buyers = [factory.headers(factory.account()) for _ in range(5)]
    path = f"/api/v1/storefront/shops/{shop.id}/orders"
    requests = [
        (path, {**buyers[i % 5], "Idempotency-Key": f"attempt-{i}"}, order_body(sku.id))
        for i in range(200)
    ]
    with live_server(app) as base_url:
        responses = post_all(base_url, requests)
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 10, 409: 190}, statuses
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"out_of_stock"}
    assert stock_of(engine, sku.id) == 0
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(m.Order)).one() == 10
        assert session.exec(select(func.sum(m.OrderLine.quantity))).one() == 10


def test_orders_sharing_skus_in_any_line_order_neither_deadlock_nor_oversell(
    app: FastAPI, engine: Engine, factory: Factory
) -> None:
    shop = factory.shop()
    _, a = factory.product(shop, stock=20)
    _, b = factory.product(shop, stock=20)
    buyer = factory.headers(factory.account())
    path = f"/api/v1/storefront/shops/{shop.id}/orders"
    requests = []
    for i in range(100):
        first, second = (a, b) if i % 2 else (b, a)
        body = order_body(first.id)
        body["lines"].append({"sku_id": second.id, "quantity": 1})
        requests.append((path, {**buyer, "Idempotency-Key": f"pair-{i}"}, body))
    with live_server(app) as base_url:
        responses = post_all(base_url, requests, workers=40)
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 20, 409: 80}, statuses
    assert stock_of(engine, a.id) == 0
    assert stock_of(engine, b.id) == 0


def test_concurrent_cancels_release_stock_once(
    app: FastAPI, engine: Engine, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    merchant = factory.headers(owner)
    _, sku = factory.product(shop, stock=5)
    buyer = factory.headers(factory.account())
    with live_server(app) as base_url:
        placed = post_all(
            base_url,
            [
                (
                    f"/api/v1/storefront/shops/{shop.id}/orders",
                    {**buyer, "Idempotency-Key": "one"},
                    order_body(sku.id, 5),
                )
            ],
        )
        order_id = placed[0].json()["id"]
        cancel = [
            (f"/api/v1/me/orders/{order_id}/cancel", buyer, {}),
            (f"/api/v1/shops/{shop.id}/orders/{order_id}/cancel", merchant, {}),
        ] * 5
        responses = post_all(base_url, cancel, workers=10)
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 409: 9}, statuses
    assert stock_of(engine, sku.id) == 5
