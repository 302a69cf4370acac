"""The django-oscar channel in a real browser: a merchant connects a real Oscar shop
(started by tests/channels/conftest.py), publishes a product, Oscar oversells it under
concurrent checkouts, and the channel page names the SKU and the Oscar orders."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

import core.models as m
from core.plugins.installations import enable_plugin
from core.settings import Settings
from tests.browser.conftest import (
    PHONE_WIDTH,
    LiveServer,
    assert_accessible,
    assert_fits_phone,
    browser_sign_in,
    shot,
)
from tests.browser.test_catalog_sync_demo import wait_for_job
from tests.channels.conftest import OscarSite, oscar, oscar_site  # noqa: F401 (fixtures)
from tests.channels.oscar_buyers import Buyer

PLUGIN = "catalog_sync"
ROOT = Path(__file__).resolve().parents[2]
SCOPES = ["products:read", "products:write", "orders:read", "shop:read"]

pytestmark = pytest.mark.slow


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The host's own plugins.toml (it loads catalog_sync)."""
    return settings.model_copy(update={"plugins_file": ROOT / "plugins.toml"})


def _oversell_on_oscar(site: OscarSite, product_id: str, buyers_count: int) -> list[str]:
    """``buyers_count`` baskets of one unit each, checked out at once: Oscar's numbers."""
    buyers = [Buyer(site.base_url) for _ in range(buyers_count)]
    assert all(buyer.add(product_id).status_code == 200 for buyer in buyers)
    barrier = threading.Barrier(buyers_count)
    numbers: list[str] = []

    def checkout(buyer: Buyer) -> None:
        barrier.wait()
        numbers.append(str(buyer.checkout()["number"]))
        buyer.close()

    threads = [threading.Thread(target=checkout, args=(b,)) for b in buyers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return numbers


def test_connect_oscar_publish_and_see_its_oversell(
    live_server: LiveServer,
    page: Any,
    oscar: OscarSite,  # noqa: F811
) -> None:
    live, factory = live_server, live_server.factory
    owner = factory.account(email="owner@example.com", password="secret-pass")
    shop = factory.shop(owner, name="茶铺 Tea corner")
    code = f"OOLONG-{uuid.uuid4().hex[:6].upper()}"
    product, sku = factory.product(shop, stock=8)
    with Session(live.engine) as session:
        row = session.get(m.Sku, sku.id)
        assert row is not None
        row.code = code
        session.add(row)
        session.commit()
    with Session(live.engine, expire_on_commit=False) as session:
        enable_plugin(
            session,
            host=live.app.state.plugins,
            shop_id=shop.id,
            plugin_id=PLUGIN,
            granted_scopes=SCOPES,
        )
        session.commit()

    browser_sign_in(page, live.url, "owner@example.com", "secret-pass")
    home = f"{live.url}/apps/{PLUGIN}/shops/{shop.id}"
    page.goto(home)
    connect = page.locator("form[action$='/connect']")
    connect.locator("input[name=name]").fill("oscar-shop")
    connect.locator("select[name=kind]").select_option("oscar")
    connect.locator("input[name=base_url]").fill(oscar.base_url)
    connect.locator("input[name=partner_id]").fill(str(oscar.partner_id))
    connect.locator("input[name=product_class]").fill(oscar.product_class)
    connect.locator("input[name=token]").fill(oscar.token)
    connect.locator("select[name=mode]").select_option("share")
    connect.locator("input[name=value]").fill("50")
    shot(page, "catalog-sync-oscar-connect")
    connect.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "oscar-shop" in page.locator(".plugin-page h2").first.inner_text()
    assert oscar.token not in page.content()  # sealed, never shown again

    publish = page.locator("form[action$='/publish']")
    publish.locator("input[name=channel]").fill("oscar-shop")
    publish.locator("input[name=product_ids]").fill(str(product.id))
    publish.locator("button[type=submit]").click()  # a job publishes it
    page.wait_for_load_state()
    assert "Products published: 1" in wait_for_job(page)
    page.goto(home)
    row = page.locator(".plugin-page table tbody tr").first.inner_text()
    assert row.split() == [code, "4", "4"]  # half here, half on Oscar

    from plugins.catalog_sync.oscar import OscarChannel

    with OscarChannel(
        oscar.base_url,
        partner_id=oscar.partner_id,
        product_class=oscar.product_class,
        token=oscar.token,
    ) as channel:
        product_id = next(i.external_id for i in channel.list_items() if i.sku_code == code)
    numbers = _oversell_on_oscar(oscar, product_id, 7)  # 7 orders for Oscar's 4 units

    page.locator("form[action$='/channels/oscar-shop/reconcile'] button").click()
    page.wait_for_load_state()
    assert "Done" in wait_for_job(page)
    page.goto(home)
    text = page.locator(".plugin-page").inner_text()
    assert "Sold beyond stock there" in text
    oversold = page.locator(".plugin-page table", has_text="Units short").locator("tbody tr")
    cells = oversold.first.inner_text().split(maxsplit=2)
    assert cells[:2] == [code, "3"]
    named = [n.strip() for n in cells[2].split(",")]
    assert len(named) == 3 and set(named) <= set(numbers)
    assert f"sold 3 unit(s) beyond its stock there, in orders {cells[2]}" in text  # the report
    assert_accessible(page)
    shot(page, "catalog-sync-oscar-desktop")
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    page.goto(home)
    assert_fits_phone(page)
    shot(page, "catalog-sync-oscar-phone")
