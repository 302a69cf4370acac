"""The import page in a real browser, with a tiny test importer: upload a GBK file, see
the detected format and encoding and the first rows, dry run (nothing changes), import
with a live bar and counts, and the report of refused rows offered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, func, select

import core.models as m
from core.plugins.installations import enable_plugin
from core.settings import Settings
from tests.browser.conftest import LiveServer, browser_sign_in, shot


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The host loads the tiny importer (in the app and in the embedded worker)."""
    path = tmp_path / "plugins.toml"
    path.write_text('[plugins]\nload = ["tests.plugins_host.sample_plugins.tiny_import"]\n')
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
