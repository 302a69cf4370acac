"""Import 100,000 products (about 250,000 SKUs) from a Shopify-format CSV, against
SQLAlchemy Core bulk inserts of the same rows into the same tables, in the same run.

Tanzi's side is what the store migration's import job does per chunk: the plugin's
Shopify importer reads the file as a stream (``plugins.store_migration``: encoding check,
rows grouped by handle, values read, categories matched, each product checked) and the
kernel's batch upsert (``core.services.product_batch.upsert_products``: keyed by
external_ref and SKU code, every check before writing, events recorded in bulk) writes
500 products a transaction. The bare side reads the same file with the ``csv`` module,
groups the rows by handle and inserts the product and SKU rows with Core ``executemany``,
500 products a transaction, with no checks and no events. Each side works in a fresh
database of its own (same schema); the figures are products per second.

Tanzi's side then runs again in subprocesses at 10,000 and 100,000 products to print its
peak RSS at each: the growth must stay under 50 MB (memory flat in the file's size).
Last line: ``imports: ratio R (tanzi/bare)``. Backends: ``TANZI_BENCH_DATABASE_URL`` (see
``harness``). The host's job runner (checkpoint rows per chunk) is not in this figure yet.

Measured 2026-12-07 on the shared 2-core machine under heavy load (load average 5-11),
100,000 products / 250,000 SKUs, one round: SQLite ratio 0.32 and 0.28 (603 vs 1,904 and
407 vs 1,444 products/s), PostgreSQL 0.40 (249 vs 626); peak RSS 101-111 MB at both
10,000 and 100,000 products (growth 0 MB). Before the batch path wrote with Core
statements per table (the ORM's bulk insert had split rows into thousands of small
statements): 0.08-0.12.
"""

from __future__ import annotations

import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

import harness
from sqlalchemy import insert
from sqlmodel import Session, SQLModel

import core.models as m
from core.db import create_db_engine
from core.services.product_batch import upsert_products
from core.settings import Settings
from plugins.store_migration.importers import BY_CODE
from sdk.importing import ImportOptions

N = harness.size(100_000, 300)
RSS_SIZES = (harness.size(10_000, 100), N)
ROUNDS = harness.rounds(1)
CHUNK = 500
CATEGORY = "Bench"
HEADER = [
    "Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags",
    "Published", "Option1 Name", "Option1 Value", "Variant SKU", "Variant Grams",
    "Variant Inventory Qty", "Variant Price", "Variant Compare At Price", "Variant Barcode",
    "Image Src", "Status",
]  # fmt: skip
SIZES = ("S", "M", "L", "XL")


def write_csv(path: Path, n: int) -> int:
    """A Shopify CSV of ``n`` products with 1 to 4 SKUs each (2.5 on average); the SKUs."""
    skus = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(HEADER)
        for i in range(n):
            for k in range(1 + i % 4):
                first = k == 0
                out.writerow([
                    f"p{i}", f"Product {i}" if first else "",
                    "<p>Soft cotton, <b>washable</b>.</p>" if first else "",
                    "Bench" if first else "", CATEGORY if first else "", "", "",
                    "TRUE" if first else "", "Size" if first else "", SIZES[k],
                    f"P{i}-{SIZES[k]}", "180", str(10 + k), f"{19 + k}.90",
                    "29.90" if k == 0 else "", f"69{i:011d}",
                    f"https://img.example.com/p{i}.jpg" if first else "",
                    "active" if first else "",
                ])  # fmt: skip
                skus += 1
    return skus


def _settings(database_url: str) -> Settings:
    return Settings(
        env="test",
        database_url=database_url,
        data_dir=Path(tempfile.gettempdir()),
        secret_key="bench-secret",
    )


def seed(database_url: str) -> tuple[int, int]:
    """The schema, an open shop and one category it may sell in: their ids."""
    engine = create_db_engine(_settings(database_url))
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        owner = m.Account(email="owner@bench.test", name="Owner")
        category = m.Category(name=CATEGORY, shop_types=[t.value for t in m.ShopType])
        session.add_all([owner, category])
        session.flush()
        shop = m.Shop(owner_id=owner.id or 0, type=m.ShopType.enterprise, name="Bench shop")
        shop.status = m.ShopStatus.open
        session.add(shop)
        session.flush()
        session.add(m.Member(shop_id=shop.id or 0, account_id=owner.id or 0, is_owner=True))
        session.commit()
        ids = (shop.id or 0, category.id or 0)
    engine.dispose()
    return ids


def tanzi_import(
    database_url: str, path: Path, shop_id: int, category_id: int
) -> tuple[float, int]:
    """The plugin's importer into the kernel's batch upsert: seconds, products created."""
    engine = create_db_engine(_settings(database_url))
    options = ImportOptions(values={"categories": [{"id": category_id, "name": CATEGORY}]})
    created = 0
    started = time.perf_counter()
    with path.open("rb") as stream:
        rows = BY_CODE["shopify_csv"].parse(stream, options)
        while chunk := list(islice(rows, CHUNK)):
            items = [row.product for row in chunk if row.product is not None]
            with Session(engine) as session:
                shop = session.get(m.Shop, shop_id)
                assert shop is not None
                result = upsert_products(session, shop=shop, items=items)
                session.commit()
            created += result.counts["created"]
    seconds = time.perf_counter() - started
    engine.dispose()
    return seconds, created


def _bare_products(path: Path) -> Iterator[tuple[dict[str, object], list[dict[str, object]]]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        product: dict[str, object] | None = None
        skus: list[dict[str, object]] = []
        for row in reader:
            if product is None or row["Handle"] != product["external_ref"]:
                if product is not None:
                    yield product, skus
                product = {"external_ref": row["Handle"], "title": row["Title"],
                           "description": row["Body (HTML)"], "weight_g": int(row["Variant Grams"])}  # fmt: skip
                skus = []
            compare = row["Variant Compare At Price"]
            skus.append({
                "code": row["Variant SKU"], "options": {"Size": row["Option1 Value"]},
                "price_fen": round(float(row["Variant Price"]) * 100),
                "compare_at_fen": round(float(compare) * 100) if compare else None,
                "stock": int(row["Variant Inventory Qty"]), "barcode": row["Variant Barcode"],
            })  # fmt: skip
        if product is not None:
            yield product, skus


def bare_import(database_url: str, path: Path, shop_id: int, category_id: int) -> tuple[float, int]:
    """``csv`` and Core ``executemany`` into the same tables: seconds, products inserted."""
    engine = create_db_engine(_settings(database_url))
    products_t, skus_t = m.Product.__table__, m.Sku.__table__  # type: ignore[attr-defined]
    inserted = 0
    started = time.perf_counter()
    groups = _bare_products(path)
    while chunk := list(islice(groups, CHUNK)):
        now = datetime.now(UTC)
        rows = [
            {**p, "shop_id": shop_id, "category_id": category_id, "status": "listed",
             "condition": "new", "self_pickup": False, "sellable_provinces": [],
             "created_at": now, "updated_at": now}
            for p, _ in chunk
        ]  # fmt: skip
        with engine.begin() as conn:
            ids = (
                conn.execute(
                    insert(products_t).returning(products_t.c.id, sort_by_parameter_order=True),
                    rows,
                )
                .scalars()
                .all()
            )
            conn.execute(
                insert(skus_t),
                [
                    {**sku, "product_id": pid, "shop_id": shop_id, "currency": "CNY"}
                    for pid, (_, skus) in zip(ids, chunk, strict=True)
                    for sku in skus
                ],
            )
        inserted += len(ids)
    seconds = time.perf_counter() - started
    engine.dispose()
    return seconds, inserted


def peak_rss_mb(n: int, tmp: Path) -> float:
    """Tanzi's side alone in a fresh process at ``n`` products: its peak RSS in MB."""
    out = subprocess.run(
        [sys.executable, __file__, "--rss", str(n), str(tmp)],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(json.loads(out.stdout.strip().splitlines()[-1])["peak_rss_mb"])


def _rss_child(n: int, tmp: Path) -> None:
    path = tmp / f"rss-{n}.csv"
    write_csv(path, n)
    with harness.database(tmp, f"rss{n}") as url:
        shop_id, category_id = seed(url)
        _, created = tanzi_import(url, path, shop_id, category_id)
    assert created == n, (created, n)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"products": n, "peak_rss_mb": round(peak, 1)}))


def main() -> None:
    """Both sides ``ROUNDS`` times, then the peak RSS at two sizes; the ratio last."""
    tanzis, bares = [], []
    with tempfile.TemporaryDirectory(prefix="tanzi-bench-") as tmp_name:
        tmp = Path(tmp_name)
        path = tmp / "products.csv"
        skus = write_csv(path, N)
        for r in range(ROUNDS):
            with harness.database(tmp, f"tanzi{r}") as url:
                seconds, created = tanzi_import(url, path, *seed(url))
                assert created == N, (created, N)
                tanzis.append(N / seconds)
            with harness.database(tmp, f"bare{r}") as url:
                seconds, inserted = bare_import(url, path, *seed(url))
                assert inserted == N, (inserted, N)
                bares.append(N / seconds)
        rss = [peak_rss_mb(n, tmp) for n in RSS_SIZES]
    tanzi, bare = harness.median(tanzis), harness.median(bares)
    print(f"{harness.backends()}; {N} products, {skus} SKUs, median of {ROUNDS}")
    print(f"tanzi import: {tanzi:.0f} products/s")
    print(f"bare inserts: {bare:.0f} products/s")
    for n, mb in zip(RSS_SIZES, rss, strict=True):
        print(f"peak RSS at {n} products: {mb:.1f} MB")
    print(f"RSS growth {RSS_SIZES[0]} -> {RSS_SIZES[1]}: {rss[1] - rss[0]:.1f} MB (aim < 50)")
    print(harness.ratio_line("imports", tanzi / bare, "tanzi/bare"))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--rss":
        _rss_child(int(sys.argv[2]), Path(sys.argv[3]))
    else:
        main()
