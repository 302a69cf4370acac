"""Orders placed per second over HTTP vs a bare FastAPI + SQLModel insert endpoint.

Like with like: both servers run under uvicorn in a subprocess on a free loopback port, on
a fresh database of the same kind with the same engine settings
(``core.db.create_db_engine``: SQLite in WAL mode with ``BEGIN IMMEDIATE``, or PostgreSQL),
and the same load drives both: ``CLIENTS`` threads, each its own caller on its own
connection (its own buyer token, its own idempotency keys), the same order body and the
same headers, ``N`` requests after ``WARMUP``, each answered 201.

- Tanzi: ``POST /api/v1/storefront/shops/{id}/orders`` (token lookup, the rate limiter, an
  idempotency check, shop/SKU/product reads with row locks, order + line inserts, stock
  update, outbox events). The limiter runs but its bucket is larger than the run, so no
  request is refused (the bare side has no limiter to refuse it).
- bare: ``POST /orders`` taking the same body (validated by a plain model of the same
  shape) and inserting one row, one commit.

Run: ``.venv/bin/python bench/orders.py [N] [CLIENTS]``. Last line:
``orders: ratio R (tanzi/bare)``.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import harness
import httpx
from fastapi import FastAPI
from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, Session, SQLModel

N = harness.size(300, 40)
CLIENTS = 4
WARMUP = harness.size(20, 8)
ROUNDS = harness.rounds()


class LineIn(SQLModel):
    """A line of the bare app's order body."""

    sku_id: int
    quantity: int


class OrderIn(SQLModel):
    """The bare app's request body: the shape of Tanzi's ``OrderCreate``."""

    lines: list[LineIn]
    recipient_name: str
    recipient_phone: str
    province_code: str
    address: str = ""
    self_pickup: bool = False


def _settings(database_url: str, data_dir: str = "") -> Any:
    from core.settings import Settings

    return Settings(
        env="test",
        database_url=database_url,
        data_dir=Path(data_dir or tempfile.gettempdir()),
        secret_key="bench-secret",
        rate_limit_capacity=10**9,
    )


def bare_app(database_url: str) -> FastAPI:
    """One table, one endpoint that inserts the order body as a row and commits."""
    from core.db import create_db_engine

    class BareOrder(SQLModel, table=True):
        """The bare app's one table (defined here, so Tanzi's metadata never holds it)."""

        __tablename__ = "bench_order"

        id: int | None = Field(default=None, primary_key=True)
        body: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
        created_at: datetime = Field(
            default_factory=lambda: datetime.now(UTC),
            sa_column=Column(DateTime(timezone=True), nullable=False),
        )

    engine = create_db_engine(_settings(database_url))
    BareOrder.__table__.create(engine, checkfirst=True)  # type: ignore[attr-defined]
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/orders", status_code=201)
    def create_order(body: OrderIn) -> dict[str, Any]:
        with Session(engine, expire_on_commit=False) as session:
            row = BareOrder(body=body.model_dump(mode="json"))
            session.add(row)
            session.commit()
            return row.model_dump(mode="json")

    return app


def tanzi_app(database_url: str, data_dir: str) -> FastAPI:
    """The whole Tanzi app, as ``tanzi serve`` builds it."""
    from marketplace.app import create_app

    return create_app(_settings(database_url, data_dir))


def seed(database_url: str, buyers: int) -> tuple[int, int, list[str]]:
    """The schema, an open shop with a SKU with plenty of stock, and ``buyers`` buyers'
    tokens."""
    import core.models as m
    from core.db import create_db_engine
    from core.security import new_token, token_hash

    engine = create_db_engine(_settings(database_url))
    SQLModel.metadata.create_all(engine)
    tokens = [new_token("tz_pat") for _ in range(buyers)]
    with Session(engine, expire_on_commit=False) as session:
        owner = m.Account(email="owner@bench.test", name="Owner")
        category = m.Category(name="Bench", shop_types=[t.value for t in m.ShopType])
        session.add_all([owner, category])
        session.flush()
        for i, token in enumerate(tokens):
            buyer = m.Account(email=f"buyer{i}@bench.test", name=f"Buyer {i}")
            session.add(buyer)
            session.flush()
            session.add(m.AccessToken(account_id=buyer.id, token_hash=token_hash(token)))
        shop = m.Shop(owner_id=owner.id or 0, type=m.ShopType.enterprise, name="Bench shop")
        shop.status = m.ShopStatus.open
        session.add(shop)
        session.flush()
        session.add(m.Member(shop_id=shop.id or 0, account_id=owner.id or 0, is_owner=True))
        product = m.Product(
            shop_id=shop.id or 0,
            category_id=category.id or 0,
            title="Bench tea",
            status=m.ProductStatus.listed,
        )
        session.add(product)
        session.flush()
        sku = m.Sku(
            product_id=product.id or 0,
            shop_id=shop.id or 0,
            code="default",
            price_fen=1000,
            stock=1_000_000,
        )
        session.add(sku)
        session.commit()
        ids = (shop.id or 0, sku.id or 0)
    engine.dispose()
    return ids[0], ids[1], tokens


def body(sku_id: int) -> dict[str, Any]:
    """The one order body both sides receive."""
    return {
        "lines": [{"sku_id": sku_id, "quantity": 1}],
        "recipient_name": "Bench Buyer",
        "recipient_phone": "13800138000",
        "province_code": "11",
        "address": "1 Bench Road",
    }


def run_round(tmp: str, r: int, clients: int) -> tuple[float, float]:
    """One round: Tanzi then the bare app, each on a fresh database; their rates."""
    with harness.database(tmp, f"tanzi{r}") as url:
        shop_id, sku_id, tokens = seed(url, clients)
        payload = body(sku_id)
        headers = [{"Authorization": f"Bearer {t}"} for t in tokens]
        load = harness.Load(clients=clients, n=N, warmup=WARMUP, headers=headers)

        def send(http: httpx.Client, i: int) -> httpx.Response:
            path = f"/api/v1/storefront/shops/{shop_id}/orders"
            return http.post(path, json=payload, headers={"Idempotency-Key": f"bench-{r}-{i}"})

        with harness.app_server(__file__, "tanzi", url, tmp) as base_url:
            tanzi = load.run(base_url, send, lambda resp: resp.status_code == 201)
    with harness.database(tmp, f"bare{r}") as url:
        load = harness.Load(clients=clients, n=N, warmup=WARMUP, headers=headers)

        def send_bare(http: httpx.Client, i: int) -> httpx.Response:
            return http.post("/orders", json=payload, headers={"Idempotency-Key": f"bench-{i}"})

        with harness.app_server(__file__, "bare", url, tmp) as base_url:
            bare = load.run(base_url, send_bare, lambda resp: resp.status_code == 201)
    return tanzi, bare


def main(clients: int) -> None:
    """Measure both servers ``ROUNDS`` times and print the median rates and their ratio."""
    tanzis, bares = [], []
    with tempfile.TemporaryDirectory(prefix="tanzi-bench-") as tmp:
        for r in range(ROUNDS):
            tanzi, bare = run_round(tmp, r, clients)
            tanzis.append(tanzi)
            bares.append(bare)
    tanzi, bare = harness.median(tanzis), harness.median(bares)
    print(f"{harness.backends()}; {N} requests from {clients} clients, median of {ROUNDS}")
    print(
        "rounds (tanzi/bare):",
        ", ".join(f"{t:.0f}/{b:.0f}" for t, b in zip(tanzis, bares, strict=True)),
    )
    print(f"tanzi orders: {tanzi:.1f}/s")
    print(f"bare inserts: {bare:.1f}/s")
    print(harness.ratio_line("orders", tanzi / bare, "tanzi/bare"))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        kind, url, data_dir, port = sys.argv[2:6]
        app = tanzi_app(url, data_dir) if kind == "tanzi" else bare_app(url)
        harness.serve_app(app, int(port))
    else:
        if len(sys.argv) > 1:
            N = int(sys.argv[1])
        main(int(sys.argv[2]) if len(sys.argv) > 2 else CLIENTS)
