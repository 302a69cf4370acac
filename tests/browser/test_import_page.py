"""The import page in a real browser. With a tiny test importer: upload a GBK file, see
the detected format and encoding and the first rows, dry run (nothing changes), import
with a live bar and counts, and the report of refused rows offered. With the store
migration service (一键搬家): a Shopify export through the mapping step to the shop's
catalog, the refused rows' report, and the catalog exported by batch products."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, func, select

import core.models as m
from core.plugins.installations import enable_plugin
from core.settings import Settings
from tests.browser.conftest import (
    LiveServer,
    assert_accessible,
    assert_fits_phone,
    browser_sign_in,
    shot,
)
from tests.plugins.store_migration.shopify_sample import ROWS, shopify_csv


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The host loads the tiny importer, store migration and batch products (in the app and
    in the embedded worker); each test enables what it uses in its shop."""
    path = tmp_path / "plugins.toml"
    loaded = '"tests.plugins_host.sample_plugins.tiny_import", "plugins.store_migration", '
    path.write_text(f'[plugins]\nload = [{loaded}"plugins.batch_products"]\n')
    return settings.model_copy(update={"plugins_file": path})


def _products(live: LiveServer, shop_id: int) -> int:
    with Session(live.engine) as session:
        return session.exec(
            select(func.count()).select_from(m.Product).where(m.Product.shop_id == shop_id)
        ).one()


def test_a_merchant_previews_dry_runs_and_imports_a_gbk_file(
    live_server: LiveServer, page: Any, tmp_path: Path
) -> None:
    factory = live_server.factory
    owner = factory.account(email="owner@example.com", password="secret-pass")
    shop = factory.shop(owner, name="Tea corner")
    category = factory.category()
    with Session(live_server.engine) as session:
        enable_plugin(
            session, host=live_server.app.state.plugins, shop_id=shop.id, plugin_id="tiny_import"
        )
        session.commit()
    sheet = tmp_path / "茶.csv"
    rows = ["ref;title;price;category", "A1;龙井茶;12.50;{c}", "A2;白茶;x;{c}", "A3;红茶;30;{c}"]
    sheet.write_bytes("\n".join(rows).format(c=category.id).encode("gb18030"))

    browser_sign_in(page, live_server.url, "owner@example.com", "secret-pass")
    page.goto(f"{live_server.url}/console/shops/{shop.id}/products")
    page.click(f"a[href='/console/shops/{shop.id}/import']")
    page.set_input_files("#import-upload input[type=file]", str(sheet))
    with page.expect_navigation():
        page.click("#import-upload button[type=submit]")
    assert "GBK / GB18030" in page.inner_text("main")
    assert page.locator(".import-rows li").count() == 3
    assert page.locator("select[name=m3]").input_value() == "category"
    assert "龙井茶" in page.inner_text(".import-rows")
    page.set_viewport_size({"width": 375, "height": 800})
    shot(page, "import-preview-375")
    page.set_viewport_size({"width": 1100, "height": 900})

    page.click("button[name=dry_run][value='1']")
    page.wait_for_selector(".job-progress[data-status=succeeded]")
    assert page.inner_text("[data-count=created]") == "2"
    assert _products(live_server, shop.id) == 0
    shot(page, "import-dry-run")

    page.go_back()
    page.click("button[name=dry_run][value='0']")
    page.wait_for_selector(".job-progress[data-status=succeeded]")
    assert page.inner_text("[data-count=created]") == "2"
    assert page.inner_text("[data-count=failed]") == "1"
    assert page.locator(".job-report").is_visible()
    assert _products(live_server, shop.id) == 2
    shot(page, "import-done")


def _shopify_export(extra: int) -> bytes:
    """The tests' Shopify export (a tee in three SKUs, a mug) with a product in a category
    no shop category matches, one with a negative price, and ``extra`` plain tees."""
    odd = "hose,Garden hose,,,Garden > Hoses,,,TRUE,Title,Default Title,,,,,HOSE-1,0,,1,,,5.00"
    neg = "neg,Negative,,,,Clothing,,TRUE,Title,Default Title,,,,,NEG-1,0,,1,,,-5.00"
    tail = ",,,,,,,,,,,,g,active,,"
    plain = (
        f"t{i},Tee {i},,,Apparel & Accessories > Clothing,,,TRUE,Title,Default Title,,,,,"
        f"T-{i},0,,1,,,9.90{tail}"
        for i in range(extra)
    )
    return shopify_csv(rows=(*ROWS, odd + tail, neg + tail, *plain)).encode("utf-8")


def _counts(page: Any) -> tuple[int, int]:
    return int(page.inner_text("[data-count=created]")), int(page.inner_text("[data-count=failed]"))


def test_a_merchant_moves_a_shopify_store_here_then_exports_the_catalog(
    live_server: LiveServer, page: Any, tmp_path: Path
) -> None:
    """一键搬家 end to end: upload a Shopify export, see the detected format and the first
    rows, map the category nothing matches, dry-run, import with a live bar, download the
    refused rows, then export the catalog with batch products."""
    factory = live_server.factory
    owner = factory.account(email="mover@example.com", password="secret-pass")
    shop = factory.shop(owner, name="Tee corner")
    clothing = factory.category(name="服饰 Clothing")
    factory.category(name="Kitchen")
    outdoor = factory.category(name="Outdoor")
    host = live_server.app.state.plugins
    with Session(live_server.engine) as session:
        enable_plugin(
            session, host=host, shop_id=shop.id, plugin_id="store_migration",
            settings={"fetch_images": False},
        )  # fmt: skip
        enable_plugin(
            session, host=host, shop_id=shop.id, plugin_id="batch_products",
            granted_scopes=["shop:read", "products:read", "products:write"],
        )  # fmt: skip
        session.commit()
    extra = 10_000  # enough rows (20 chunks) for the bar, polled each second, to show some
    export = tmp_path / "products_export_1.csv"
    export.write_bytes(_shopify_export(extra))

    browser_sign_in(page, live_server.url, "mover@example.com", "secret-pass")
    page.goto(f"{live_server.url}/console/shops/{shop.id}/import")
    page.set_input_files("#import-upload input[type=file]", str(export))
    with page.expect_navigation():
        page.click("#import-upload button[type=submit]")
    main = page.inner_text("main")
    assert "Detected: Shopify" in main, main[:400]
    assert page.locator(".import-rows li").count() == 10
    assert "经典T恤 Classic tee" in page.inner_text(".import-rows")
    hose = page.locator(".import-rows li", has_text="hose")
    assert hose.locator(".field-error").count() == 1  # its category matches nothing yet
    shot(page, "migration-preview")
    assert_accessible(page)
    page.set_viewport_size({"width": 375, "height": 800})
    assert_fits_phone(page)
    shot(page, "migration-preview-375")
    page.set_viewport_size({"width": 1100, "height": 900})

    page.click(".import-mapping a")
    page.wait_for_load_state()
    table = page.inner_text(".plugin-page table")
    assert "Garden > Hoses" in table and "not matched" in table
    page.select_option("form.plugin-form select[name=path]", "Garden > Hoses")
    page.select_option("form.plugin-form select[name=category_id]", str(outdoor.id))
    page.set_viewport_size({"width": 375, "height": 800})
    assert_fits_phone(page)
    shot(page, "migration-mapping-375")
    page.set_viewport_size({"width": 1100, "height": 900})
    page.click("form.plugin-form button")
    page.wait_for_load_state()
    assert "goes to Outdoor" in page.inner_text(".plugin-page")
    assert "not matched" not in page.inner_text(".plugin-page table")
    shot(page, "migration-mapping-saved")

    page.click(".plugin-page a:has-text('Back to the preview')")
    page.wait_for_load_state()
    hose = page.locator(".import-rows li", has_text="hose")
    assert hose.locator(".field-error").count() == 0  # mapped now
    page.click("button[name=dry_run][value='1']")
    page.wait_for_selector(".job-progress[data-status=succeeded]", timeout=120_000)
    assert _counts(page) == (3 + extra, 1)
    assert _products(live_server, shop.id) == 0
    shot(page, "migration-dry-run")

    page.go_back()
    page.click("button[name=dry_run][value='0']")
    seen: set[tuple[int, int]] = set()
    while page.locator(".job-progress[data-status=succeeded]").count() == 0:
        seen.add(_counts(page))
        if len(seen) == 2:
            shot(page, "migration-importing")
        page.wait_for_timeout(150)
    assert _counts(page) == (3 + extra, 1)
    assert any(0 < created < 3 + extra for created, _ in seen), seen  # the bar moved
    assert _products(live_server, shop.id) == 3 + extra
    with Session(live_server.engine) as session:
        placed = session.exec(
            select(m.Product.category_id).where(
                m.Product.shop_id == shop.id, m.Product.external_ref == "hose"
            )
        ).one()
    assert placed == outdoor.id
    shot(page, "migration-done")
    page.set_viewport_size({"width": 375, "height": 800})
    assert_fits_phone(page)
    shot(page, "migration-done-375")
    page.set_viewport_size({"width": 1100, "height": 900})
    with page.expect_download() as report:
        page.click(".job-report a")
    lines = Path(report.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 2 and "Variant Price" in lines[1] and "-5.00" in lines[1]

    page.goto(f"{live_server.url}/apps/batch_products/shops/{shop.id}")
    page.select_option("form.plugin-form select[name=format]", "csv")
    page.click("form.plugin-form button:has-text('Export')")
    page.wait_for_load_state()
    page.click(".plugin-page a:has-text('Follow it')")
    for _ in range(120):
        if page.locator(".plugin-page a:has-text('Download')").count():
            break
        page.wait_for_timeout(500)
        page.reload()
    shot(page, "migration-export-ready")
    with page.expect_download() as exported:
        page.click(".plugin-page a:has-text('Download')")
    catalog = Path(exported.value.path()).read_text(encoding="utf-8-sig")
    assert "经典T恤 Classic tee" in catalog and "Garden hose" in catalog
    assert f"hose,Garden hose,listed,{outdoor.id}," in catalog  # in the mapped category
    assert f"tee-classic,经典T恤 Classic tee,listed,{clothing.id}," in catalog
    page.set_viewport_size({"width": 375, "height": 800})
    assert_fits_phone(page)
    shot(page, "migration-export-ready-375")
