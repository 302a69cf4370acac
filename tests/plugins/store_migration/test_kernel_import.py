"""The importers' output written by the kernel's batch upsert, on SQLite and PostgreSQL:
the real export files land with exact counts, a second import changes nothing, and a
category needing a qualification the shop lacks refuses its products only.

(The in-process client does not offer ``upsert_many`` yet; once it does, this runs
through the SDK's sandbox instead of calling the kernel service.)"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

import core.models as m
from core.services.product_batch import upsert_products
from plugins.store_migration.importers import BY_CODE
from sdk.importing import ImportOptions, ImportRow
from tests.conftest import Factory
from tests.plugins.store_migration.shopify_sample import shopify_csv
from tests.plugins.store_migration.test_real_exports import DATA


def import_file(
    engine: Engine, shop_id: int, fmt: str, data: Path | bytes, values: dict[str, object]
) -> Counter[str]:
    """Parse ``data`` and upsert it 200 products a transaction; the counts by status
    (``refused``: rows the importer refused before the kernel saw them)."""
    counts: Counter[str] = Counter()
    stream = data.open("rb") if isinstance(data, Path) else io.BytesIO(data)
    with stream:
        rows: Iterator[ImportRow] = BY_CODE[fmt].parse(stream, ImportOptions(values=values))
        while chunk := list(islice(rows, 200)):
            counts["refused"] += sum(1 for row in chunk if row.product is None)
            items = [row.product for row in chunk if row.product is not None]
            with Session(engine) as session:
                result = upsert_products(session, shop=session.get(m.Shop, shop_id), items=items)
                session.commit()
            counts.update(item.status for item in result.items)
    return counts


def _count(engine: Engine, model: type, shop_id: int) -> int:
    with Session(engine) as session:
        return int(
            session.exec(
                select(func.count()).select_from(model).where(model.shop_id == shop_id)  # type: ignore[attr-defined]
            ).one()
        )


@pytest.mark.parametrize(
    ("fmt", "path"),
    [
        ("woocommerce_csv", "woocommerce/sample_products.csv"),
        ("magento2_csv", "magento2/m2_luma_product-import_20161024-194026_04.csv"),
        ("prestashop_products_csv", "prestashop/products_import.csv"),
    ],
)
def test_real_exports_land_in_the_kernel_with_exact_counts(
    engine: Engine, factory: Factory, fmt: str, path: str
) -> None:
    shop = factory.shop()
    category = factory.category(name="Everything")
    with (DATA / path).open("rb") as f:
        parsed = list(BY_CODE[fmt].rows(f))
    good = [p for p in parsed if p.ok]
    # the mapping step: the merchant puts every source category into one of Tanzi's
    values = {
        "categories": [{"id": category.id, "name": category.name}],
        "category_map": {p.category: category.id for p in good},
    }
    first = import_file(engine, shop.id, fmt, DATA / path, values)
    assert first == Counter(created=len(good), refused=len(parsed) - len(good))
    assert _count(engine, m.Product, shop.id) == len(good)
    assert _count(engine, m.Sku, shop.id) == sum(len(p.skus) for p in good)

    again = import_file(engine, shop.id, fmt, DATA / path, values)
    assert again == Counter(unchanged=len(good), refused=len(parsed) - len(good))
    assert _count(engine, m.Product, shop.id) == len(good)


def test_a_category_needing_a_qualification_refuses_only_its_products(
    engine: Engine, factory: Factory
) -> None:
    shop = factory.shop()
    clothing = factory.category(name="服饰 Clothing")
    kitchen = factory.category(name="Kitchen", qualifications=["food_contact_licence"])
    values = {
        "categories": [
            {"id": c.id, "name": c.name, "qualifications": c.qualifications}
            for c in (clothing, kitchen)
        ]
    }
    counts = import_file(engine, shop.id, "shopify_csv", shopify_csv().encode(), values)
    assert counts == Counter(created=1, failed=1)
    with Session(engine) as session:
        [product] = session.exec(select(m.Product).where(m.Product.shop_id == shop.id)).all()
        assert (product.external_ref, product.category_id) == ("tee-classic", clothing.id)
        skus = session.exec(select(m.Sku).where(m.Sku.product_id == product.id)).all()
    assert sorted((s.code, s.price_fen, s.compare_at_fen, s.barcode) for s in skus) == [
        ("TEE-L-RED", 6250, None, None),
        ("TEE-M-BLUE", 5900, 7900, None),
        ("TEE-S-BLUE", 5900, 7900, "365275000000"),
    ]
