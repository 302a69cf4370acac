"""Product batch upsert (``core.services.product_batch``) against bare SQLAlchemy Core bulk
inserts of the same rows into the same tables, in the same run.

Tanzi's side creates N products with two SKUs each, 1,000 items a transaction: every item
judged (keys, limits, category rules), products and SKUs written in batches, one
``product_created`` event per product recorded in bulk. The bare side inserts the same
product and SKU rows with ``insert(...).returning(id)`` and ``insert(...)`` executemany,
one transaction per 1,000 products, no checks, no events. Each side has a fresh database.
It also prints the re-import of the same items (all ``unchanged``). Last line:
``product batch: ratio R (tanzi/bare)``, products per second.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import harness
from sqlalchemy import insert
from sqlmodel import Session, SQLModel

import core.models as m
from core.db import create_db_engine
from core.models.base import utcnow
from core.services.product_batch import upsert_products
from core.settings import Settings
from sdk.batch import ProductInput, SkuInput

N = harness.size(20_000, 600)
CHUNK = 1000
ROUNDS = harness.rounds(1)


def _engine(url: str, data_dir: str):  # type: ignore[no-untyped-def]
    settings = Settings(env="test", database_url=url, data_dir=Path(data_dir), secret_key="x")
    engine = create_db_engine(settings)
    SQLModel.metadata.create_all(engine)
    return engine


def _seed(engine) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with Session(engine, expire_on_commit=False) as session:
        owner = m.Account(email="owner@bench.test", name="Owner")
        category = m.Category(name="Bench", shop_types=[t.value for t in m.ShopType])
        session.add_all([owner, category])
        session.flush()
        shop = m.Shop(owner_id=owner.id or 0, type=m.ShopType.enterprise, name="Bench shop")
        shop.status = m.ShopStatus.open
        session.add(shop)
        session.commit()
        return shop.id or 0, category.id or 0


def _items(category_id: int) -> list[ProductInput]:
    return [
        ProductInput(
            external_ref=f"P{i:07d}",
            title=f"Bench tea {i}",
            category_id=category_id,
            weight_g=250,
            skus=[
                SkuInput(
                    code=f"P{i:07d}-S", options={"size": "S"}, price_fen=1000 + i % 97, stock=5
                ),
                SkuInput(code=f"P{i:07d}-L", options={"size": "L"}, price_fen=1900, stock=3),
            ],
        )
        for i in range(N)
    ]


def tanzi(url: str, data_dir: str) -> tuple[float, float]:
    engine = _engine(url, data_dir)
    shop_id, category_id = _seed(engine)
    items = _items(category_id)

    def run() -> float:
        started = time.perf_counter()
        for start in range(0, N, CHUNK):
            with Session(engine) as session:
                shop = session.get(m.Shop, shop_id)
                assert shop is not None
                upsert_products(session, shop=shop, items=items[start : start + CHUNK])
                session.commit()
        return time.perf_counter() - started

    first, second = run(), run()
    engine.dispose()
    return N / first, N / second


def bare(url: str, data_dir: str) -> float:
    engine = _engine(url, data_dir)
    shop_id, category_id = _seed(engine)
    items = _items(category_id)
    started = time.perf_counter()
    for start in range(0, N, CHUNK):
        batch = items[start : start + CHUNK]
        now = utcnow()
        with Session(engine) as session:
            ids = session.scalars(
                insert(m.Product).returning(m.Product.id, sort_by_parameter_order=True),
                [
                    {
                        "shop_id": shop_id,
                        "category_id": category_id,
                        "title": i.title,
                        "description": "",
                        "status": m.ProductStatus.draft,
                        "condition": m.Condition.new,
                        "self_pickup": False,
                        "sellable_provinces": [],
                        "external_ref": i.external_ref,
                        "weight_g": i.weight_g,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i in batch
                ],
            ).all()
            session.execute(
                insert(m.Sku),
                [
                    {
                        "product_id": pid,
                        "shop_id": shop_id,
                        "code": s.code,
                        "options": s.options,
                        "price_fen": s.price_fen,
                        "stock": s.stock,
                        "currency": "CNY",
                    }
                    for pid, i in zip(ids, batch, strict=True)
                    for s in i.skus
                ],
            )
            session.commit()
    elapsed = time.perf_counter() - started
    engine.dispose()
    return N / elapsed


def main() -> None:
    print(f"product batch: {N} products x 2 SKUs, {CHUNK} a transaction; {harness.backends()}")
    ours, again, base = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(ROUNDS):
            with harness.database(tmp, f"batch_tanzi_{r}") as url:
                created, unchanged = tanzi(url, tmp)
            with harness.database(tmp, f"batch_bare_{r}") as url:
                base.append(bare(url, tmp))
            ours.append(created)
            again.append(unchanged)
    print(f"tanzi upsert (create): {harness.median(ours):,.0f} products/s")
    print(
        f"tanzi upsert (same items again, all unchanged): {harness.median(again):,.0f} products/s"
    )
    print(f"bare Core inserts: {harness.median(base):,.0f} products/s")
    print(
        harness.ratio_line(
            "product batch", harness.median(ours) / harness.median(base), "tanzi/bare"
        )
    )


if __name__ == "__main__":
    main()
