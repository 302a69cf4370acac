"""Batch products (商品批量管理) in a real browser: a merchant selects products, changes
their prices by a rule from the action's panel, follows the job live, sees the batch's
changes before -> after on the service's page, and undoes the whole batch there."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

import core.models as m
from core.plugins.installations import enable_plugin
from core.settings import Settings
from tests.browser.conftest import LiveServer, browser_sign_in, shot

PLUGIN = "batch_products"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The host's own plugins.toml (it loads batch_products)."""
    return settings.model_copy(update={"plugins_file": ROOT / "plugins.toml"})


def _prices(live_server: LiveServer, skus: list[m.Sku]) -> list[int]:
    with Session(live_server.engine) as session:
        return [session.get(m.Sku, s.id).price_fen for s in skus]  # type: ignore[union-attr]


def _until(check: Any, timeout_s: float = 30) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def test_bulk_price_change_then_undo_in_the_browser(live_server: LiveServer, page: Any) -> None:
    factory = live_server.factory
    owner = factory.account(email="owner@example.com", password="secret-pass")
    shop = factory.shop(owner, name="Tea corner")
    skus = [factory.product(shop, price_fen=p, stock=8)[1] for p in (16800, 4590, 2900)]
    with Session(live_server.engine) as session:
        enable_plugin(
            session,
            host=live_server.app.state.plugins,
            shop_id=shop.id,
            plugin_id=PLUGIN,
            granted_scopes=["shop:read", "products:read", "products:write"],
        )
        session.commit()
    browser_sign_in(page, live_server.url, "owner@example.com", "secret-pass")
    page.goto(f"{live_server.url}/console/shops/{shop.id}/products")
    for sku in skus[:2]:
        page.check(f"input[name=ids][value='{sku.product_id}']")
    page.click("details.action-fields summary:has-text('Change prices')")
    key = f"{PLUGIN}:price"
    page.select_option(f"select[name='p.{key}.mode']", "percent")
    page.fill(f"input[name='p.{key}.value']", "-10")
    page.check(f"input[name='p.{key}.round_9']")
    shot(page, "batch-products-price-rule")
    page.click(f"button[name=action][value='{key}']")
    assert _until(lambda: page.locator(".job-progress[data-status=succeeded]").count() > 0)
    assert page.locator(".job-rows li.pass").count() == 2
    assert _prices(live_server, skus) == [15090, 4090, 2900]
    shot(page, "batch-products-price-done")

    page.goto(f"{live_server.url}/apps/{PLUGIN}/shops/{shop.id}")
    page.click("table a[href*='/batches/a']")
    page.wait_for_load_state()
    table = page.locator(".plugin-page table").inner_text()
    assert "¥168.00" in table and "¥150.90" in table and "¥45.90" in table and "¥40.90" in table
    assert "¥29.00" not in table  # only the changed products
    assert page.locator(".plugin-page h2").inner_text() == "Change prices"
    shot(page, "batch-products-batch")
    page.click("form.plugin-form button:has-text('Undo')")
    page.wait_for_load_state()
    assert "Started" in page.locator(".plugin-page").inner_text()
    assert _until(lambda: _prices(live_server, skus) == [16800, 4590, 2900])
    page.go_back()
    page.reload()
    assert "undone" in page.locator(".plugin-page").inner_text()
    shot(page, "batch-products-undone")


def test_the_price_panel_and_the_service_page_fit_a_phone_in_chinese(
    live_server: LiveServer, browser: Any
) -> None:
    factory = live_server.factory
    owner = factory.account(email="phone@example.com", password="secret-pass")
    shop = factory.shop(owner, name="茶铺")
    for price in (16800, 4590):
        factory.product(shop, price_fen=price, stock=8)
    with Session(live_server.engine) as session:
        enable_plugin(
            session,
            host=live_server.app.state.plugins,
            shop_id=shop.id,
            plugin_id=PLUGIN,
            granted_scopes=["shop:read", "products:read", "products:write"],
        )
        session.commit()
    context = browser.new_context(viewport={"width": 375, "height": 800}, locale="zh-CN")
    phone = context.new_page()
    try:
        browser_sign_in(phone, live_server.url, "phone@example.com", "secret-pass")
        phone.goto(f"{live_server.url}/console/shops/{shop.id}/products")
        phone.click("details.action-fields summary:has-text('批量改价')")
        assert phone.locator(f"select[name='p.{PLUGIN}:price.mode']").is_visible()
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, width
        shot(phone, "batch-products-phone-panel")
        phone.goto(f"{live_server.url}/apps/{PLUGIN}/shops/{shop.id}")
        assert phone.locator("form.plugin-form button:has-text('导出')").is_visible()
        assert phone.locator("input[type=file][name=file_id]").count() == 1
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, width
        shot(phone, "batch-products-phone-page")
    finally:
        context.close()
