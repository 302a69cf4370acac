"""The real export files in ``/work/shared/data`` import with exact counts.

Each expected count is worked out here from the file's own rows with the ``csv`` module,
by the format's rules (which rows are products, which are their variants, which cannot
be imported), not by the parser under test.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from plugins.store_migration.drafts import ProductRow
from plugins.store_migration.importers import BY_CODE

DATA = Path(os.environ.get("TANZI_SHARED_DATA", "/work/shared/data"))
pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason="the shared export files are absent")


def parsed(code: str, path: Path) -> tuple[list[ProductRow], list[ProductRow]]:
    """The file's good and refused products as the importer reads them."""
    with path.open("rb") as stream:
        rows = list(BY_CODE[code].rows(stream))
    return [r for r in rows if r.ok], [r for r in rows if not r.ok]


def dict_rows(path: Path, delimiter: str = ",") -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        yield from csv.DictReader(f, delimiter=delimiter)


def _types(row: dict[str, str]) -> set[str]:
    return {part.strip() for part in row["Type"].split(",")}


@pytest.mark.parametrize(
    "name",
    [
        "sample_products.csv",
        "experimental_sample_9_products.csv",
        "experimental_fashion_sample_9_products.csv",
    ],
)
def test_woocommerce_exports(name: str) -> None:
    path = DATA / "woocommerce" / name
    rows = list(dict_rows(path))
    variations = [r for r in rows if "variation" in _types(r)]
    parents = {r["Parent"] for r in variations}
    priced = [r for r in rows if r["Regular price"] or r["Sale price"]]
    simple = [r for r in priced if "simple" in _types(r)]
    variable_with = [r for r in rows if "variable" in _types(r) and r["SKU"] in parents]
    variable_own = [r for r in priced if "variable" in _types(r) and r["SKU"] not in parents]
    combos = sum(
        math.prod(
            len([v for v in r[f"Attribute {i} value(s)"].split(",") if v.strip()]) or 1
            for i in (1, 2)
            if r.get(f"Attribute {i} name")
        )
        for r in variable_own
    )
    good, bad = parsed("woocommerce_csv", path)

    assert len(good) == len(simple) + len(variable_with) + len(variable_own)
    assert sum(len(p.skus) for p in good) == len(simple) + len(variations) + combos
    assert len(bad) == len(rows) - len(variations) - len(good)
    assert {p.problems[0].reason for p in bad} <= {"unsupported_type", "missing_price"}


def test_woocommerce_variable_product_gathers_its_variations_wherever_they_are() -> None:
    good, _ = parsed("woocommerce_csv", DATA / "woocommerce" / "sample_products.csv")
    hoodie = next(p for p in good if p.handle == "woo-hoodie")
    # woo-hoodie-blue-logo is the file's last row, far below its parent
    assert [s.code for s in hoodie.skus] == [
        "woo-hoodie-red", "woo-hoodie-green", "woo-hoodie-blue", "woo-hoodie-blue-logo",
    ]  # fmt: skip
    red = hoodie.skus[0]
    assert (red.price_fen, red.compare_at_fen, red.options) == (
        4200,
        4500,
        {"Color": "Red", "Logo": "No"},
    )
    assert hoodie.category == "Clothing > Hoodies"
    assert len(hoodie.images) == 4


@pytest.mark.parametrize(
    "name",
    [
        "m2_luma_product-import_20161024-194026_04.csv",
        "m2_configurable_product-import_20190226-095345_01.csv",
        "m2_minimal_product-import_20161021-161909_01.csv",
        "magento2_products_to_import.csv",
    ],
)
def test_magento2_exports(name: str) -> None:
    path = DATA / "magento2" / name
    rows = [r for r in dict_rows(path) if not r.get("store_view_code")]
    present = {r["sku"] for r in rows}
    configurables = [r for r in rows if r["product_type"] == "configurable"]
    children = {
        r["sku"]: [
            part.split(",")[0].removeprefix("sku=")
            for part in r["configurable_variations"].split("|")
            if part
        ]
        for r in configurables
    }
    claimed = {sku for skus in children.values() for sku in skus}
    with_children = [sku for sku, skus in children.items() if any(s in present for s in skus)]
    singles = [
        r for r in rows
        if r["product_type"] in ("simple", "virtual", "downloadable") and r["sku"] not in claimed
    ]  # fmt: skip
    variants = sum(len([s for s in children[sku] if s in present]) for sku in with_children)
    good, bad = parsed("magento2_csv", path)

    assert len(good) == len(with_children) + len(singles)
    assert sum(len(p.skus) for p in good) == variants + len(singles)
    refused_types = [r for r in rows if r["product_type"] in ("bundle", "grouped")]
    assert len(bad) == len(refused_types) + len(configurables) - len(with_children)


def test_magento2_configurable_takes_its_childrens_prices_and_labels() -> None:
    good, _ = parsed(
        "magento2_csv", DATA / "magento2" / "m2_configurable_product-import_20190226-095345_01.csv"
    )
    [product] = good
    assert product.handle == "configurable-test"
    assert product.category == "Gear"
    assert {tuple(s.options.items()) for s in product.skus} == {
        (("Color", "Black"), ("Size", "55 cm")),
        (("Color", "Black"), ("Size", "XS")),
        (("Color", "Blue"), ("Size", "XS")),
        (("Color", "Blue"), ("Size", "55 cm")),
    }
    assert {s.price_fen for s in product.skus} == {1000}


def test_prestashop_products() -> None:
    path = DATA / "prestashop" / "products_import.csv"
    rows = list(dict_rows(path, ";"))
    good, bad = parsed("prestashop_products_csv", path)
    assert len(good) == len(rows) and not bad
    nano = good[0]
    assert (nano.handle, nano.title, nano.category) == ("ps-1", "iPod Nano", "iPods")
    assert (nano.skus[0].code, nano.skus[0].price_fen, nano.skus[0].stock) == (
        "RP-demo_1",
        10000,
        160,
    )
    assert nano.skus[0].barcode == "1234567890123"


def test_prestashop_combinations() -> None:
    path = DATA / "prestashop" / "combinations_import.csv"
    rows = list(dict_rows(path, ";"))
    groups: dict[str, set[str]] = {}
    repeats = 0
    for r in rows:
        seen = groups.setdefault(r["Product ID*"], set())
        repeats += r["Value (Value:Position)*"] in seen
        seen.add(r["Value (Value:Position)*"])
    good, bad = parsed("prestashop_combinations_csv", path)
    assert len(good) == len(groups)
    assert sum(len(p.skus) for p in good) == len(rows) - repeats
    assert len(bad) == repeats and all(p.problems[0].reason == "duplicate_sku" for p in bad)
    assert all(p.partial for p in good)
    nano_blue_16 = good[0].skus[0]
    assert (nano_blue_16.price_impact_fen, nano_blue_16.options) == (
        4000, {"Color": "Blue", "Disk space": "16GB"},
    )  # fmt: skip
