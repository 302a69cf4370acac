"""Channel rules and the mapping page in a real browser: a merchant connects a second
shop with a price markup, publishes a product (the marked-up price shows there), changes
the rules on the page, follows the "in conflict" count to the mapping page and maps an
item the other shop keeps under its own code; stock then moves on it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

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
    wait_for_job,
)
from tests.contract.conftest import mint_token

PLUGIN = "catalog_sync"
ROOT = Path(__file__).resolve().parents[2]
SCOPES = ["products:read", "products:write", "orders:read", "shop:read"]
CODE, ODD = "TEA-GREEN", "B-ODD-7"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The host's own plugins.toml (it loads catalog_sync)."""
    return settings.model_copy(update={"plugins_file": ROOT / "plugins.toml"})


def _sku(live: LiveServer, shop_id: int, code: str) -> m.Sku:
    with Session(live.engine) as session:
        return session.exec(select(m.Sku).where(m.Sku.shop_id == shop_id, m.Sku.code == code)).one()


def _product(live: LiveServer, shop: m.Shop, code: str, stock: int, price_fen: int) -> int:
    product, sku = live.factory.product(shop, stock=stock, price_fen=price_fen)
    with Session(live.engine) as session:
        row = session.get(m.Sku, sku.id)
        assert row is not None
        row.code = code
        session.add(row)
        session.commit()
    return int(product.id)


def _submit(page: Any, form: Any) -> None:
    with page.expect_navigation(timeout=60_000):
        form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_rules_markup_and_mapping_an_item_by_hand(live_server: LiveServer, page: Any) -> None:
    live, factory = live_server, live_server.factory
    owner = factory.account(email="owner@example.com", password="secret-pass")
    shop_a = factory.shop(owner, name="茶铺 Tea corner")
    shop_b = factory.shop(factory.account(), name="茶铺二号 Second stall")
    category_b = factory.category(name="茶 Tea")
    product_id = _product(live, shop_a, CODE, 10, 2000)
    odd_here = _product(live, shop_a, "TEA-OOLONG", 8, 3000)
    _product(live, shop_b, ODD, 0, 3300)  # the oolong, under the other shop's own code
    with Session(live.engine, expire_on_commit=False) as session:
        enable_plugin(
            session,
            host=live.app.state.plugins,
            shop_id=shop_a.id,
            plugin_id=PLUGIN,
            granted_scopes=SCOPES,
        )
        remote = m.Installation(
            shop_id=shop_b.id,
            plugin_id=PLUGIN,
            version="0.1.0",
            kind="remote",
            granted_scopes=SCOPES,
        )
        session.add(remote)
        session.commit()
        session.refresh(remote)
    token = mint_token(live.engine, remote, frozenset(SCOPES))

    browser_sign_in(page, live.url, "owner@example.com", "secret-pass")
    home = f"{live.url}/apps/{PLUGIN}/shops/{shop_a.id}"
    page.goto(home)
    connect = page.locator("form[action$='/connect']")
    connect.locator("input[name=name]").fill("second-stall")
    connect.locator("input[name=base_url]").fill(live.url)
    connect.locator("input[name=shop_id]").fill(str(shop_b.id))
    connect.locator("input[name=category_id]").fill(str(category_b.id))
    connect.locator("input[name=token]").fill(token)
    connect.locator("select[name=direction]").select_option("publish")
    connect.locator("select[name=f_title]").select_option("there")
    connect.locator("select[name=markup_kind]").select_option("percent")
    connect.locator("input[name=markup_value]").fill("10")
    shot(page, "catalog-sync-rules-connect")
    _submit(page, connect)
    text = page.locator(".plugin-page").inner_text()
    assert "Title: the channel wins" in text and "price there +10%" in text

    publish = page.locator("form[action$='/publish']")
    publish.locator("input[name=channel]").fill("second-stall")
    publish.locator("input[name=product_ids]").fill(str(product_id))
    _submit(page, publish)
    assert "Done" in wait_for_job(page)  # publishing runs as the plugin's job
    page.goto(home)
    assert _sku(live, shop_b.id, CODE).price_fen == 2200  # 20.00 + 10%
    # "Sync now" finds the other shop's item that matched no SKU code here
    _submit(page, page.locator("form[action$='/channels/second-stall/sync']"))
    assert "Done" in wait_for_job(page)
    page.goto(home)
    conflicts = page.locator(".plugin-page a[href$='/channels/second-stall/mapping']")
    assert conflicts.inner_text().startswith("1")

    # the channel's own rules form starts from its rules: only the markup changes
    rules = page.locator("form[action$='/channels/second-stall/rules']")
    assert rules.locator("select[name=f_title]").input_value() == "there"
    rules.locator("select[name=markup_kind]").select_option("fixed")
    rules.locator("input[name=markup_value]").fill("1.5")
    _submit(page, rules)
    text = page.locator(".plugin-page").inner_text()
    assert "price there +1.50" in text and "Title: the channel wins" in text
    _submit(page, page.locator("form[action$='/channels/second-stall/sync']"))
    assert "Done" in wait_for_job(page)
    page.goto(home)
    assert _sku(live, shop_b.id, CODE).price_fen == 2150  # this shop wins the price
    assert_accessible(page)
    shot(page, "catalog-sync-rules-desktop")

    with page.expect_navigation():
        page.locator(".plugin-page a[href$='/channels/second-stall/mapping']").click()
    assert ODD in page.locator(".plugin-page").inner_text()
    mapping = page.locator("form[action*='/channels/second-stall/map/']")
    assert mapping.count() == 1
    mapping.locator("select[name=choice]").select_option("sku:TEA-OOLONG")
    shot(page, "catalog-sync-mapping-desktop")
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    assert_fits_phone(page)
    shot(page, "catalog-sync-mapping-phone")
    page.set_viewport_size({"width": 1100, "height": 900})
    _submit(page, mapping)
    text = page.locator(".plugin-page").inner_text()
    assert f"{ODD} is now mapped to TEA-OOLONG" in text
    assert "Every item there is mapped or ignored." in text
    # stock moves on it: half of this shop's 8 went to the other shop's own item
    assert (_sku(live, shop_a.id, "TEA-OOLONG").stock, _sku(live, shop_b.id, ODD).stock) == (4, 4)
    assert odd_here

    page.goto(home)
    conflicts = page.locator(".plugin-page a[href$='/channels/second-stall/mapping']")
    assert conflicts.inner_text().startswith("1")  # counted at the next sync, not yet
    _submit(page, page.locator("form[action$='/channels/second-stall/sync']"))
    assert "Done" in wait_for_job(page)
    page.goto(home)
    assert (
        page.locator(".plugin-page a[href$='/channels/second-stall/mapping']")
        .inner_text()
        .startswith("0")
    )
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    page.goto(home)
    assert_fits_phone(page)
    shot(page, "catalog-sync-rules-phone")
