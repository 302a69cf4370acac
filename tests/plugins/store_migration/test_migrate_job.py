"""The migration job on the SDK's fake shop: the mapping step, exact counts, a second
import all "unchanged", bad rows reported and skipped, resuming after a killed worker."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

import plugins.store_migration as plugin
from plugins.store_migration.categories import CategoryMatcher
from plugins.store_migration.importers import BY_CODE
from plugins.store_migration.migrate import category_overview, choose_category
from sdk.testing import FakeShop
from tests.plugins.store_migration.shopify_sample import HEADER, ROWS, shopify_csv
from tests.plugins.store_migration.test_real_exports import DATA

CLOTHING, ELECTRONICS, MEDICINE = 2, 3, 4


@pytest.fixture
def shop() -> FakeShop:
    fake = FakeShop.for_manifest(plugin.manifest, seed=False)
    fake.register_job_kinds(plugin.register_job_kinds())
    fake.settings = {"fetch_images": False}  # no network here; see test_images.py
    return fake


def migrate(shop: FakeShop, name: str, data: bytes, fmt: str, **params: Any) -> Any:
    """Upload ``data``, run the migrate job to its end, return the job."""
    upload = shop.add_upload(name, data)
    job = shop.jobs.start("migrate", {"file_id": upload.id, "format": fmt, **params})
    shop.run_jobs()
    return shop.jobs.get(job.id)


def catalog(shop: FakeShop) -> dict[str, dict[str, Any]]:
    """The shop's products by external ref, with their SKUs by code."""
    return {
        row["external_ref"]: {
            **row,
            "skus": {s["code"]: s for s in shop.sku_rows.values() if s["product_id"] == pid},
        }
        for pid, row in shop.product_rows.items()
    }


def test_mapping_step_then_shopify_import_then_the_same_file_again(shop: FakeShop) -> None:
    data = shopify_csv().encode()
    matcher = CategoryMatcher(shop.categories.list())
    overview = category_overview(io.BytesIO(data), BY_CODE["shopify_csv"], matcher)
    assert overview == [
        ("Apparel & Accessories > Clothing > Shirts & Tops", CLOTHING, 1),
        ("Home & Garden > Kitchen", None, 1),  # the merchant must choose
    ]
    choose_category(shop, "Home & Garden > Kitchen", ELECTRONICS)

    first = migrate(shop, "products.csv", data, "shopify_csv")
    assert (first.status, first.counts) == ("succeeded", {"created": 2})
    products = catalog(shop)
    assert products["tee-classic"]["category_id"] == CLOTHING
    assert products["mug-blue"]["category_id"] == ELECTRONICS
    assert products["mug-blue"]["status"] == "draft"
    tee = products["tee-classic"]["skus"]
    assert {code: (s["price_fen"], s["compare_at_fen"], s["stock"]) for code, s in tee.items()} == {
        "TEE-S-BLUE": (5900, 7900, 20),
        "TEE-M-BLUE": (5900, 7900, 15),
        "TEE-L-RED": (6250, None, 0),
    }
    assert tee["TEE-S-BLUE"]["barcode"] == "365275000000"
    assert products["tee-classic"]["weight_g"] == 180

    again = migrate(shop, "products-again.csv", data, "shopify_csv")
    assert again.counts == {"unchanged": 2}
    assert len(shop.product_rows) == 2 and len(shop.sku_rows) == 4


def test_woocommerce_export_imports_every_good_product(shop: FakeShop) -> None:
    path = DATA / "woocommerce" / "sample_products.csv"
    with path.open("rb") as f:
        good = [p for p in BY_CODE["woocommerce_csv"].rows(f) if p.ok]
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    unsupported = [r for r in rows if r["Type"] in ("grouped", "external")]
    for path_ in ("Music",):
        choose_category(shop, path_, ELECTRONICS)

    job = migrate(shop, "woo.csv", path.read_bytes(), "woocommerce_csv")
    assert job.counts == {"created": len(good), "failed": len(unsupported)}
    assert len(shop.product_rows) == len(good)
    assert len(shop.sku_rows) == sum(len(p.skus) for p in good)
    reasons = {(r.row, r.column) for r in shop.refused_rows(job.id)}
    assert reasons == {(rows.index(r) + 2, "Type") for r in unsupported}

    assert migrate(shop, "woo.csv", path.read_bytes(), "woocommerce_csv").counts == {
        "unchanged": len(good), "failed": len(unsupported),
    }  # fmt: skip


def test_bad_rows_are_reported_in_the_merchants_language_and_skipped(shop: FakeShop) -> None:
    shop.language = "zh-CN"
    choose_category(shop, "Home & Garden > Kitchen", MEDICINE)  # needs a licence
    rows = (
        *ROWS,
        ",No handle,,,,,,TRUE,Title,Default Title,,,,,NH-1,0,,1,,,10.00,,,,,,,,,,,,g,active,,",
        "neg,Negative,,,,Clothing,,TRUE,Title,Default Title,,,,,NEG-1,0,,1,,,-5.00,,,,,,,,,,,,g,active,,",
        "odd,Odd category,,,Garden > Hoses,,,TRUE,Title,Default Title,,,,,ODD-1,0,,1,,,5.00,,,,,,,,,,,,g,active,,",
    )
    job = migrate(shop, "p.csv", shopify_csv(rows=rows).encode(), "shopify_csv")
    assert job.counts == {"created": 1, "failed": 4}
    assert set(catalog(shop)) == {"tee-classic"}
    refused = {(r.row, r.column): r.reason for r in shop.refused_rows(job.id)}
    assert refused[(8, "handle")] == "商品缺少编号（handle 或 SKU），无法识别"  # noqa: RUF001
    assert refused[(9, "Variant Price")] == "价格不能为负数"
    assert refused[(10, "category")].startswith("类目与摊子的类目都不匹配")
    # the mug's category needs a qualification the shop lacks: the kernel refuses it
    [(_, column)] = [key for key in refused if key[0] == 6]
    assert column == "category_id"


def test_dry_run_writes_nothing(shop: FakeShop) -> None:
    choose_category(shop, "Home & Garden > Kitchen", ELECTRONICS)
    job = migrate(shop, "p.csv", shopify_csv().encode(), "shopify_csv", dry_run=True)
    assert job.counts == {"created": 2}
    assert shop.product_rows == {} and shop.record_rows.get(("image_queue", "1")) is None


def test_prestashop_products_then_their_combinations(shop: FakeShop) -> None:
    folder = DATA / "prestashop"
    matcher = CategoryMatcher(shop.categories.list())
    with (folder / "products_import.csv").open("rb") as f:
        overview = category_overview(f, BY_CODE["prestashop_products_csv"], matcher)
    assert overview == [("iPods", None, 3), ("Laptops", None, 2), ("Accessories", None, 2)]
    for path, _, _ in overview:
        choose_category(shop, path, ELECTRONICS)
    products = migrate(
        shop, "p.csv", (folder / "products_import.csv").read_bytes(), "prestashop_products_csv"
    )
    assert products.counts == {"created": 7}
    combos = migrate(
        shop,
        "c.csv",
        (folder / "combinations_import.csv").read_bytes(),
        "prestashop_combinations_csv",
    )
    assert combos.counts == {"updated": 4, "failed": 1}  # one row repeats another
    nano = catalog(shop)["ps-1"]["skus"]
    # base price 100.00 plus each combination's impact
    assert nano["RP-Nano-Blue-16GB"]["price_fen"] == 14000
    assert nano["RP-Nano-Blue-8GB"]["price_fen"] == 10000
    assert nano["RP-Nano-Blue-16GB"]["options"] == {"Color": "Blue", "Disk space": "16GB"}


def test_a_killed_worker_resumes_without_duplicates(shop: FakeShop) -> None:
    lines = [HEADER] + [
        f"p{i},Product {i},,,Clothing,,,TRUE,Size,M,,,,,P{i}-M,100,,3,,,{i}.50,,,,,,,,,,,,g,active,,"
        for i in range(1, 1201)
    ]
    upload = shop.add_upload("big.csv", ("\r\n".join(lines) + "\r\n").encode())
    job = shop.jobs.start("migrate", {"file_id": upload.id, "format": "shopify_csv", "chunk": 250})
    assert shop.run_jobs(stop_after=2)[job.id] == "killed"
    assert len(shop.product_rows) == 500
    assert shop.run_jobs()[job.id] == "succeeded"
    assert len(shop.product_rows) == 1200 and len(shop.sku_rows) == 1200
    assert shop.jobs.get(job.id).counts == {"created": 1200}
    assert catalog(shop)["p1200"]["skus"]["P1200-M"]["price_fen"] == 120050


def test_a_refused_file_ends_the_job_with_its_reason(shop: FakeShop) -> None:
    job = migrate(shop, "p.csv", b"%PDF-1.4 not a csv", "shopify_csv")
    [refused] = shop.refused_rows(job.id)
    assert refused.reason == "The file is not a CSV file, whatever its name says"
    assert shop.product_rows == {}
