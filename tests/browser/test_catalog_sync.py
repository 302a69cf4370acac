"""Cross-platform sync (商品跨平台管理) in a real browser: a merchant connects a second
shop as a channel through its consent screen (OAuth), publishes ten products there (a
job), buyers buy on both sides, and the channel page shows the stock following (the
worker runs the sync from the sale events)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

import core.models as m
from core.crypto import secret_box
from core.plugins.installations import enable_plugin, get_installation
from core.services import plugin_secrets
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
from tests.browser.test_catalog_sync_demo import connect_over_oauth
from tests.core.test_orders import order_body

PLUGIN = "catalog_sync"
ROOT = Path(__file__).resolve().parents[2]
SCOPES = ["products:read", "products:write", "orders:read", "shop:read"]


@pytest.fixture
def settings(settings: Settings, live_port: int) -> Settings:
    """The host's own plugins.toml (it loads catalog_sync), and its base URL its own (the
    OAuth callback is there)."""
    return settings.model_copy(
        update={"plugins_file": ROOT / "plugins.toml", "base_url": f"http://127.0.0.1:{live_port}"}
    )


def _stock(live: LiveServer, shop_id: int, code: str) -> int:
    with Session(live.engine) as session:
        return (
            session.exec(select(m.Sku).where(m.Sku.shop_id == shop_id, m.Sku.code == code))
            .one()
            .stock
        )


SECRET = "channel:second-stall"


def _tokens(live: LiveServer, shop_id: int) -> dict[str, Any]:
    """The connection's tokens as sealed in the service's secrets."""
    with Session(live.engine) as session:
        inst = get_installation(session, shop_id=shop_id, plugin_id=PLUGIN)
        assert inst is not None and inst.id is not None
        found = plugin_secrets.get_secret(
            session, secret_box(live.settings), installation_id=inst.id, name=SECRET
        )
        assert found is not None
        return dict(json.loads(found))


def _expire_access_token(live: LiveServer, shop_id: int) -> str:
    """Make the sealed access token unusable and expired; the refresh token it had."""
    tokens = _tokens(live, shop_id)
    tokens.update(access_token="tz_oat_expired", expires_at=time.time() - 60)
    with Session(live.engine) as session:
        inst = get_installation(session, shop_id=shop_id, plugin_id=PLUGIN)
        assert inst is not None and inst.id is not None
        plugin_secrets.put_secret(
            session,
            secret_box(live.settings),
            installation_id=inst.id,
            shop_id=shop_id,
            name=SECRET,
            value=json.dumps(tokens),
        )
        session.commit()
    return str(tokens["refresh_token"])


def _until(check: Any, timeout_s: float = 30) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def test_connect_publish_sell_on_both_and_stock_follows(live_server: LiveServer, page: Any) -> None:
    live, factory = live_server, live_server.factory
    owner = factory.account(email="owner@example.com", password="secret-pass")
    shop_a = factory.shop(owner, name="茶铺 Tea corner")
    shop_b = factory.shop(owner, name="茶铺二号 Second stall")  # one merchant, two stalls
    codes = [f"TEA-{n:02d}" for n in range(1, 11)]
    product_ids = []
    for code in codes:
        product, sku = factory.product(shop_a, stock=10)
        with Session(live.engine) as session:
            row = session.get(m.Sku, sku.id)
            assert row is not None
            row.code = code
            session.add(row)
            session.commit()
        product_ids.append(product.id)
    with Session(live.engine, expire_on_commit=False) as session:
        enable_plugin(
            session,
            host=live.app.state.plugins,
            shop_id=shop_a.id,
            plugin_id=PLUGIN,
            granted_scopes=SCOPES,
        )
        session.commit()

    browser_sign_in(page, live.url, "owner@example.com", "secret-pass")
    home = f"{live.url}/apps/{PLUGIN}/shops/{shop_a.id}"
    connect_over_oauth(page, home, "second-stall", "茶铺二号 Second stall", base_url=live.url)
    assert "second-stall" in page.locator(".plugin-page h2").first.inner_text()
    assert "tz_oat" not in page.content()  # the token is sealed and never shown again
    old_refresh = _expire_access_token(live, shop_a.id)  # the sync must refresh it

    publish = page.locator("form[action$='/publish']")
    publish.locator("input[name=channel]").fill("second-stall")
    publish.locator("input[name=product_ids]").fill(",".join(str(i) for i in product_ids))
    publish.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "Products published: 10" in wait_for_job(page)
    tokens = _tokens(live, shop_a.id)
    assert tokens["access_token"] != "tz_oat_expired" and tokens["refresh_token"] != old_refresh
    page.goto(home)
    assert all((_stock(live, shop_a.id, c), _stock(live, shop_b.id, c)) == (5, 5) for c in codes)
    text = page.locator(".plugin-page").inner_text()
    assert "Items mapped" in text and "10" in text and "Active" in text

    buyer = {"Authorization": f"Bearer {factory.token(factory.account())}"}
    with httpx.Client(base_url=live.url, timeout=30) as http:
        with Session(live.engine) as session:
            sku_b = session.exec(
                select(m.Sku).where(m.Sku.shop_id == shop_b.id, m.Sku.code == codes[0])
            ).one()
            sku_a = session.exec(
                select(m.Sku).where(m.Sku.shop_id == shop_a.id, m.Sku.code == codes[0])
            ).one()
        for n in range(3):  # three sold on the second stall
            answer = http.post(
                f"/api/v1/storefront/shops/{shop_b.id}/orders",
                json=order_body(sku_b.id),
                headers={**buyer, "Idempotency-Key": f"b-{n}"},
            )
            assert answer.status_code == 201, answer.text
        answer = http.post(  # and one here: the sale event moves the stock
            f"/api/v1/storefront/shops/{shop_a.id}/orders",
            json=order_body(sku_a.id),
            headers={**buyer, "Idempotency-Key": "a-0"},
        )
        assert answer.status_code == 201, answer.text
    # 6 left of TEA-01: the worker's sync gives each side its half again
    assert _until(
        lambda: (_stock(live, shop_a.id, codes[0]), _stock(live, shop_b.id, codes[0])) == (3, 3)
    )
    page.locator("form[action$='/channels/second-stall/reconcile'] button").click()
    page.wait_for_load_state()
    assert "Done" in wait_for_job(page)
    page.goto(home)
    text = page.locator(".plugin-page").inner_text()
    assert "Last reconciliation" in text and "Nothing had drifted." in text
    first_row = page.locator(".plugin-page table tbody tr").first.inner_text()
    assert first_row.split() == ["TEA-01", "3", "3"]  # stock here, stock there
    assert_accessible(page)
    shot(page, "catalog-sync-desktop")
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    page.goto(home)
    assert_fits_phone(page)
    shot(page, "catalog-sync-phone")
