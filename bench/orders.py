"""Orders placed per second over HTTP vs a bare FastAPI + SQLModel insert endpoint.

Both servers run under uvicorn in a subprocess on a free loopback port, on the same kind of
database with the same engine settings (``core.db.create_db_engine``: SQLite in WAL mode
with ``BEGIN IMMEDIATE``, or PostgreSQL). The same httpx client load (``CLIENTS`` threads,
``N`` requests) drives each:

- Tanzi: ``POST /api/v1/storefront/shops/{id}/orders`` (token lookup, idempotency check,
  shop/SKU/product reads with row locks, order + line inserts, stock update, outbox events);
- bare: ``POST /hits`` (one insert, one commit).

Database: a temporary SQLite file, or with ``TANZI_BENCH_DATABASE_URL=postgresql://...``
a fresh database created on that server for the run and dropped afterwards.

Run: ``.venv/bin/python bench/orders.py [N] [CLIENTS]``. Last line:
``orders: ratio R (tanzi/bare)``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fastapi import FastAPI  # noqa: E402
from sqlalchemy import Column, DateTime  # noqa: E402
from sqlmodel import Field, Session, SQLModel  # noqa: E402

N = 300
CLIENTS = 4
WARMUP = 20


class HitCreate(SQLModel):
    """The bare app's request body (not a table)."""

    value: str = Field(max_length=100)


def bare_app(database_url: str) -> FastAPI:
    """One table, one endpoint that inserts a row and commits."""
    from core.db import create_db_engine
    from core.settings import Settings

    class Hit(SQLModel, table=True):
        """The bare app's one table (defined here, so Tanzi's metadata never holds it)."""

        __tablename__ = "bench_hit"

        id: int | None = Field(default=None, primary_key=True)
        value: str = Field(max_length=100)
        created_at: datetime = Field(
            default_factory=lambda: datetime.now(UTC),
            sa_column=Column(DateTime(timezone=True), nullable=False),
        )

    engine = create_db_engine(Settings(env="test", database_url=database_url, secret_key="x"))
    Hit.__table__.create(engine, checkfirst=True)  # type: ignore[attr-defined]
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/hits", status_code=201)
    def create_hit(body: HitCreate) -> dict[str, Any]:
        with Session(engine, expire_on_commit=False) as session:
            hit = Hit(value=body.value)
            session.add(hit)
            session.commit()
            return hit.model_dump(mode="json")

    return app


def tanzi_app(database_url: str, data_dir: str) -> FastAPI:
    """The whole Tanzi app, as ``tanzi serve`` builds it."""
    from core.settings import Settings
    from marketplace.app import create_app

    return create_app(
        Settings(env="test", database_url=database_url, data_dir=Path(data_dir), secret_key="x")
    )


def seed(database_url: str) -> tuple[int, int, str]:
    """Create the schema and a buyer, an open shop and a SKU with plenty of stock."""
    import core.models as m
    from core.db import create_db_engine
    from core.security import new_token, token_hash
    from core.settings import Settings

    engine = create_db_engine(Settings(env="test", database_url=database_url, secret_key="x"))
    SQLModel.metadata.create_all(engine)
    token = new_token("tz_pat")
    with Session(engine, expire_on_commit=False) as session:
        owner = m.Account(email="owner@bench.test", name="Owner")
        buyer = m.Account(email="buyer@bench.test", name="Buyer")
        category = m.Category(name="Bench", shop_types=[t.value for t in m.ShopType])
        session.add_all([owner, buyer, category])
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
    return ids[0], ids[1], token


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(kind: str, database_url: str, data_dir: str) -> Iterator[str]:
    """Run ``kind`` (tanzi or bare) under uvicorn in a subprocess; yield its base URL."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", kind, database_url, data_dir, str(port)],
        cwd=ROOT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(base_url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the {kind} server did not start")
            time.sleep(0.05)
        yield base_url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def drive(base_url: str, path: str, bodies: list[dict], headers: list[dict[str, str]]) -> float:
    """POST each body with its headers from ``CLIENTS`` threads; return requests per second."""
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    with httpx.Client(base_url=base_url, timeout=60, limits=limits) as http:

        def send(i: int) -> int:
            response = http.post(path, json=bodies[i], headers=headers[i])
            if response.status_code != 201:
                raise RuntimeError(f"{path} answered {response.status_code}: {response.text}")
            return response.status_code

        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            list(pool.map(send, range(WARMUP)))
            start = time.perf_counter()
            list(pool.map(send, range(WARMUP, len(bodies))))
            elapsed = time.perf_counter() - start
    return (len(bodies) - WARMUP) / elapsed


@contextmanager
def database(tmp: str, name: str) -> Iterator[str]:
    """A fresh SQLite file under ``tmp``, or a fresh database on the PostgreSQL server."""
    base = os.environ.get("TANZI_BENCH_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        yield f"sqlite:///{tmp}/{name}.db"
        return
    import psycopg

    db = f"tanzi_bench_{name}_{os.getpid()}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}"')
        conn.execute(f'CREATE DATABASE "{db}"')
    try:
        yield base.rsplit("/", 1)[0] + "/" + db
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def main(n: int) -> None:
    """Measure both servers and print the rates and the ratio."""
    total = n + WARMUP
    with tempfile.TemporaryDirectory(prefix="tanzi-bench-") as tmp:
        with database(tmp, "tanzi") as url:
            shop_id, sku_id, token = seed(url)
            body = {
                "lines": [{"sku_id": sku_id, "quantity": 1}],
                "recipient_name": "Bench Buyer",
                "recipient_phone": "13800138000",
                "province_code": "11",
                "address": "1 Bench Road",
            }
            headers = [
                {"Authorization": f"Bearer {token}", "Idempotency-Key": f"bench-{i}"}
                for i in range(total)
            ]
            with server("tanzi", url, tmp) as base_url:
                tanzi = drive(
                    base_url,
                    f"/api/v1/storefront/shops/{shop_id}/orders",
                    [body] * total,
                    headers,
                )
        with database(tmp, "bare") as url, server("bare", url, tmp) as base_url:
            bare = drive(base_url, "/hits", [{"value": "x"}] * total, [{}] * total)
    kind = "PostgreSQL" if os.environ.get("TANZI_BENCH_DATABASE_URL") else "SQLite"
    print(f"database: {kind}; {n} requests from {CLIENTS} clients each")
    print(f"tanzi orders: {tanzi:.1f}/s")
    print(f"bare inserts: {bare:.1f}/s")
    print(f"orders: ratio {tanzi / bare:.2f} (tanzi/bare)")


def serve(kind: str, database_url: str, data_dir: str, port: int) -> None:
    """The subprocess side: build the app and run uvicorn."""
    import uvicorn

    app = tanzi_app(database_url, data_dir) if kind == "tanzi" else bare_app(database_url)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        if len(sys.argv) > 2:
            CLIENTS = int(sys.argv[2])
        main(int(sys.argv[1]) if len(sys.argv) > 1 else N)
