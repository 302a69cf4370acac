"""The service's endpoints on the fake shop: the template download, the mapping step and
starting an import."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

import plugins.store_migration as plugin
from plugins.store_migration.routes import categories, download_template, start_import
from plugins.store_migration.template import COLUMNS_EN, COLUMNS_ZH
from sdk.errors import InvalidRequest
from sdk.testing import FakeShop
from tests.plugins.store_migration.shopify_sample import shopify_csv


@pytest.fixture
def shop() -> FakeShop:
    fake = FakeShop.for_manifest(plugin.manifest, seed=False)
    fake.register_job_kinds(plugin.register_job_kinds())
    fake.settings = {"fetch_images": False}
    return fake


def test_the_routes_are_registered_with_their_scope() -> None:
    routes = {r.path: r for r in plugin.register_routes()}
    assert set(routes) == {"/template", "/categories", "/import", "/mapping/{format}/{file_id}"}
    assert {r.scope for r in routes.values()} == {"products:write"}


def test_template_downloads_in_both_languages_and_kinds(shop: FakeShop) -> None:
    csv_job = download_template(shop, {"kind": "csv", "lang": "zh-CN"})
    xlsx_job = download_template(shop, {"kind": "xlsx", "lang": "en"})
    assert set(shop.run_jobs().values()) == {"succeeded"}
    csv_file = shop.jobs.get(csv_job["id"]).result_file_id
    xlsx_file = shop.jobs.get(xlsx_job["id"]).result_file_id
    assert csv_file is not None and xlsx_file is not None
    text = shop.file_bytes(csv_file).decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join(COLUMNS_ZH)
    sheet = load_workbook(io.BytesIO(shop.file_bytes(xlsx_file))).active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == list(COLUMNS_EN)


def test_mapping_step_then_import(shop: FakeShop) -> None:
    upload = shop.add_upload("products.csv", shopify_csv().encode())
    params = {"file_id": str(upload.id), "format": "shopify_csv"}
    step = categories(shop, params, "GET")
    assert step["unmatched"] == 1
    assert step["categories"][1] == {
        "path": "Home & Garden > Kitchen",
        "category_id": None,
        "products": 1,
    }

    with pytest.raises(InvalidRequest):
        categories(shop, {"path": "Home & Garden > Kitchen", "category_id": "999"}, "POST")
    categories(shop, {"path": "Home & Garden > Kitchen", "category_id": "3"}, "POST")
    assert categories(shop, params, "GET")["unmatched"] == 0

    job = start_import(shop, {**params, "dry_run": "0"})
    shop.run_jobs()
    assert shop.jobs.get(job["id"]).counts == {"created": 2}


def test_bad_parameters_name_the_field(shop: FakeShop) -> None:
    with pytest.raises(InvalidRequest, match="'format'"):
        start_import(shop, {"file_id": "1", "format": "excel97"})
    with pytest.raises(InvalidRequest, match="'file_id'"):
        start_import(shop, {"file_id": "x", "format": "shopify_csv"})
    pdf = shop.add_upload("products.csv", b"%PDF-1.4")
    with pytest.raises(InvalidRequest) as caught:
        categories(shop, {"file_id": str(pdf.id), "format": "shopify_csv"}, "GET")
    assert caught.value.code == "not_csv"
