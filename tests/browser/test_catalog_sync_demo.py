"""The demo's "sell in two stalls" walk in a real browser: the demo merchant connects the
second demo shop as a channel through its consent screen (OAuth, this host), publishes ten
products there (a job with progress), buyers buy on both sides, and the channel page shows
the stock following. Desktop and 375 px phone."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session, col, select

import core.models as m
from core.db import session_scope
from core.demo import DEMO_PEOPLE, load_demo
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
from tests.core.test_orders import order_body

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = "catalog_sync"
GOODS, TEAHOUSE = "摊子好物 Tanzi Goods", "摊子茶馆 Tanzi Teahouse"
CODE = "TEA-BILUO"  # 20 in stock in the demo


@pytest.fixture
def settings(settings: Settings, live_port: int) -> Settings:
    """The host's plugins.toml, and its base URL its own (the OAuth callback is there)."""
    return settings.model_copy(
        update={"plugins_file": ROOT / "plugins.toml", "base_url": f"http://127.0.0.1:{live_port}"}
    )


def _stock(live: LiveServer, shop_id: int, code: str) -> int | None:
    with Session(live.engine) as session:
        sku = session.exec(
            select(m.Sku).where(m.Sku.shop_id == shop_id, m.Sku.code == code)
        ).first()
        return None if sku is None else sku.stock


def _until(check: Any, timeout_s: float = 60) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.3)
    return False


def connect_over_oauth(page: Any, home: str, name: str, shop_name: str, base_url: str = "") -> None:
    """Fill the connect form for a Tanzi shop, approve on its consent screen as its owner,
    and come back to the channels page."""
    page.goto(home)
    connect = page.locator("form[action$='/connect']")
    connect.locator("input[name=name]").fill(name)
    connect.locator("select[name=kind]").select_option("tanzi")
    connect.locator("input[name=base_url]").fill(base_url)
    connect.locator("select[name=mode]").select_option("share")
    connect.locator("input[name=value]").fill("50")
    connect.locator("input[name=buffer]").fill("0")
    shot(page, f"catalog-sync-connect-{name}")
    connect.locator("button[type=submit]").click()
    page.wait_for_url("**/oauth/authorize**")
    consent = page.locator("form[action='/oauth/authorize']")
    consent.locator("select[name=shop_id]").select_option(label=shop_name)
    shot(page, f"catalog-sync-consent-{name}")
    consent.locator("button[value=approve]").click()
    page.wait_for_url(f"{home}/connected/{name}**")


def test_demo_merchant_sells_in_two_stalls(live_server: LiveServer, page: Any) -> None:
    live = live_server
    with session_scope(live.engine) as session:
        load_demo(session, settings=live.settings)
    with Session(live.engine) as session:
        shops = {s.name: s.id or 0 for s in session.exec(select(m.Shop))}
        goods, teahouse = shops[GOODS], shops[TEAHOUSE]
        product_ids = list(
            session.exec(
                select(m.Product.id).where(m.Product.shop_id == goods).order_by(col(m.Product.id))
            )
        )[:10]
    _, email, password = DEMO_PEOPLE[1]
    browser_sign_in(page, live.url, email, password)
    home = f"{live.url}/apps/{PLUGIN}/shops/{goods}"

    connect_over_oauth(page, home, "teahouse", TEAHOUSE)
    text = page.locator(".plugin-page").inner_text()
    assert f"Connected: teahouse sells for shop #{teahouse} there." in text
    assert "tz_oat" not in page.content()  # the token is sealed and never shown
    with Session(live.engine) as session:
        remote = session.exec(
            select(m.Installation).where(m.Installation.shop_id == teahouse)
        ).one()
    assert (remote.kind, remote.plugin_id) == ("remote", f"{PLUGIN}__connect")

    publish = page.locator("form[action$='/publish']")
    publish.locator("input[name=channel]").fill("teahouse")
    publish.locator("input[name=product_ids]").fill(",".join(str(i) for i in product_ids))
    publish.locator("button[type=submit]").click()  # answers at once: a job does the work
    page.wait_for_load_state()
    assert "Started: job #" in page.locator(".plugin-page").inner_text()
    job_text = wait_for_job(page)
    shot(page, "catalog-sync-publish-job")
    assert "Done" in job_text and "Products published: 10" in job_text
    assert (_stock(live, goods, CODE), _stock(live, teahouse, CODE)) == (10, 10)

    buyer = {"Authorization": f"Bearer {live.factory.token(live.factory.account())}"}
    with Session(live.engine) as session:
        sku_ids = {
            shop: session.exec(
                select(m.Sku.id).where(m.Sku.shop_id == shop, m.Sku.code == CODE)
            ).one()
            for shop in (goods, teahouse)
        }
    with httpx.Client(base_url=live.url, timeout=30) as http:
        for n in range(3):  # three sold in the teahouse
            answer = http.post(
                f"/api/v1/storefront/shops/{teahouse}/orders",
                json=order_body(sku_ids[teahouse]),
                headers={**buyer, "Idempotency-Key": f"teahouse-{n}"},
            )
            assert answer.status_code == 201, answer.text
        answer = http.post(  # and one in Tanzi Goods: the sale event moves the stock
            f"/api/v1/storefront/shops/{goods}/orders",
            json=order_body(sku_ids[goods]),
            headers={**buyer, "Idempotency-Key": "goods-0"},
        )
        assert answer.status_code == 201, answer.text
    # 16 left: each side gets its half again
    assert _until(lambda: (_stock(live, goods, CODE), _stock(live, teahouse, CODE)) == (8, 8))

    page.goto(home)
    rows = [r.inner_text().split() for r in page.locator(".plugin-page table tbody tr").all()]
    assert [CODE, "8", "8"] in rows  # stock here, stock there
    text = page.locator(".plugin-page").inner_text()
    assert "Active" in text and "Items mapped" in text
    assert_accessible(page)
    shot(page, "catalog-sync-demo-desktop")
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    page.goto(home)
    assert_fits_phone(page)
    shot(page, "catalog-sync-demo-phone")
