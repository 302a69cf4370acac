"""Exports: the catalog to XLSX through the batch-products plugin vs openpyxl writing the
same cells.

Tanzi's side is the whole export a merchant runs: ``plugins.batch_products.export`` reads
the shop's products through the installation's scoped client (a page of 200 at a time,
with their SKUs, as SDK snapshots), makes one neutralized row per SKU and streams them
into an XLSX file. The bare side is openpyxl's write-only mode (its constant-memory
writer) appending the very same cells, already made and held in memory, to a workbook
saved to a file: no database, no client, no row making. Both write to files in the same
temporary directory; each side runs ``ROUNDS`` times, alternating, and each figure is the
median. The ratio is the rate ratio, bare time over Tanzi's time (above 1: Tanzi's export
is faster than openpyxl merely writing the cells).

The shop holds PRODUCTS products with 1 to 4 SKUs each (2.5 on average), seeded with bulk
inserts. Database: see ``harness`` (SQLite file, or ``TANZI_BENCH_DATABASE_URL``).

Run: ``.venv/bin/python bench/exports.py``. Last line: ``exports: ratio R (tanzi/bare)``.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import harness
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

import core.models as m
from core.db import create_db_engine
from core.models.base import utcnow
from core.plugins.client import ScopedClient
from core.plugins.manager import InstallationRef
from core.services.categories import seed_categories
from core.settings import Settings
from plugins.batch_products.export import ExportFilter, catalog, export_catalog, sheet_rows
from plugins.batch_products.sheet import headers

PRODUCTS = harness.size(100_000, 500)
ROUNDS = harness.rounds(3)
CHUNK = 5_000


def seed(engine: Engine) -> ScopedClient:
    """A shop with PRODUCTS products and an installation's client that may read them."""
    SQLModel.metadata.create_all(engine)
    now = utcnow()
    with Session(engine) as session:
        seed_categories(session)
        category = session.exec(select(m.Category)).first()
        owner = m.Account(email="owner@example.com", name="Owner")
        session.add(owner)
        session.flush()
        shop = m.Shop(owner_id=owner.id, type=m.ShopType.personal, name="Shop")
        session.add(shop)
        session.flush()
        installation = m.Installation(
            shop_id=shop.id,
            plugin_id="batch_products",
            version="1.0.0",
            granted_scopes=["products:read", "products:write"],
        )
        session.add(installation)
        session.commit()
        assert category is not None and installation.id is not None and shop.id is not None
        shop_id, category_id, inst_id = shop.id, category.id, installation.id
    sku_id = 0
    with engine.begin() as conn:
        for start in range(1, PRODUCTS + 1, CHUNK):
            ids = range(start, min(start + CHUNK, PRODUCTS + 1))
            conn.execute(
                insert(m.Product),
                [
                    {
                        "id": i,
                        "shop_id": shop_id,
                        "category_id": category_id,
                        "title": f"明前龙井 West Lake Longjing tea No. {i}"
                        if i % 7
                        else f'=HYPERLINK("x") {i}',
                        "description": "",
                        "status": "listed" if i % 5 else "delisted",
                        "condition": "new",
                        "self_pickup": False,
                        "sellable_provinces": [],
                        "external_ref": f"REF-{i:06d}",
                        "weight_g": 250,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i in ids
                ],
            )
            skus = []
            for i in ids:
                for n in range(1 + i % 4):
                    sku_id += 1
                    skus.append(
                        {
                            "id": sku_id,
                            "product_id": i,
                            "shop_id": shop_id,
                            "code": f"SKU-{i}-{n}",
                            "options": {"规格": f"{250 * (n + 1)}g"},
                            "price_fen": 1990 + i % 100_00,
                            "currency": "CNY",
                            "stock": i % 50,
                        }
                    )
            conn.execute(insert(m.Sku), skus)
    ref = InstallationRef(
        id=inst_id,
        shop_id=shop_id,
        plugin_id="batch_products",
        version="1.0.0",
        status="enabled",
        granted_scopes=frozenset({"products:read", "products:write"}),
        settings={},
    )
    return ScopedClient(engine, ref)


def tanzi_export(client: ScopedClient, path: Path) -> float:
    """Seconds for the plugin's whole export to an XLSX file."""
    start = time.perf_counter()
    with path.open("wb") as out:
        rows = export_catalog(client, out, fmt="xlsx", lang="zh_CN")
    took = time.perf_counter() - start
    assert rows > PRODUCTS
    return took


def bare_export(cells: list[list[Any]], path: Path) -> float:
    """Seconds for openpyxl's write-only mode to write ``cells`` (and the header) to a file,
    prices with the same two-decimal format."""
    start = time.perf_counter()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("商品")
    sheet.append(headers("zh_CN"))
    for row in cells:
        out: list[Any] = list(row)
        if isinstance(row[8], Decimal):
            price = WriteOnlyCell(sheet, value=row[8])
            price.number_format = "0.00"
            out[8] = price
        sheet.append(out)
    book.save(path)
    return time.perf_counter() - start


def main() -> None:
    """Seed, measure both sides ``ROUNDS`` times, print the medians and the ratio."""
    with tempfile.TemporaryDirectory() as tmp, harness.database(tmp, "exports") as url:
        engine = create_db_engine(Settings(database_url=url))
        client = seed(engine)
        cells = list(sheet_rows(catalog(client), ExportFilter()))
        print(f"{PRODUCTS} products, {len(cells)} SKU rows; {harness.backends()}")
        tanzi, bare = [], []
        for n in range(ROUNDS):
            bare.append(bare_export(cells, Path(tmp) / f"bare-{n}.xlsx"))
            tanzi.append(tanzi_export(client, Path(tmp) / f"tanzi-{n}.xlsx"))
        sizes = [(Path(tmp) / f"{side}-0.xlsx").stat().st_size for side in ("tanzi", "bare")]
        engine.dispose()
    t, b = statistics.median(tanzi), statistics.median(bare)
    print(f"tanzi export (client reads + rows + XLSX): {t:.2f} s, {sizes[0] / 1e6:.1f} MB")
    print(f"openpyxl write-only, same cells in memory: {b:.2f} s, {sizes[1] / 1e6:.1f} MB")
    print(harness.ratio_line("exports", b / t, "tanzi/bare"))


if __name__ == "__main__":
    main()
