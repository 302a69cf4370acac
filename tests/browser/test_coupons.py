"""Coupons (卡券) in a real browser, at desktop width and at 375 px: the merchant creates a
coupon on the plugin's console page, a buyer finds it from the storefront, claims it and
enters its code at checkout, the order carries the discount, and the merchant sees the
redemption in the counts and in the downloaded report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

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

ROOT = Path(__file__).resolve().parents[2]
VIEWPORTS = {"desktop": {"width": 1100, "height": 900}, "phone": {"width": 375, "height": 812}}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The host's own plugins.toml (it loads coupons)."""
    return settings.model_copy(update={"plugins_file": ROOT / "plugins.toml"})


def _context_page(browser: Any, width: str) -> tuple[Any, Any]:
    context = browser.new_context(viewport=VIEWPORTS[width], locale="en-US", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_merchant_creates_buyer_claims_and_uses_merchant_sees_redemption(
    live_server: LiveServer, browser: Any, width: str
) -> None:
    factory = live_server.factory
    owner = factory.account(email=f"owner-{width}@example.com", password="secret-pass")
    buyer = factory.account(email=f"buyer-{width}@example.com", password="secret-pass")
    shop = factory.shop(owner, name="Tea corner")
    product, _ = factory.product(shop, price_fen=4800, stock=10)
    with Session(live_server.engine) as session:
        enable_plugin(
            session,
            host=live_server.app.state.plugins,
            shop_id=shop.id,
            plugin_id="coupons",
            granted_scopes=["orders:read", "orders:write"],
        )
        session.commit()
    console = f"{live_server.url}/apps/coupons/shops/{shop.id}"

    merchant_ctx, page = _context_page(browser, width)
    try:
        browser_sign_in(page, live_server.url, owner.email, "secret-pass")
        page.goto(console)
        page.fill("input[name=title]", "Spring tea ¥8 off")
        page.select_option("select[name=kind]", "fixed")
        page.fill("input[name=value]", "8")
        page.fill("input[name=min_spend]", "40")
        page.fill("input[name=quantity]", "50")
        page.fill("input[name=code]", "spring8")
        shot(page, f"coupons-{width}-1-create")
        with page.expect_navigation():
            page.click("form.plugin-form button[type=submit]")
        assert "Coupon SPRING8 created." in page.inner_text(".plugin-page")
        row = page.locator(".plugin-page li", has_text="SPRING8").inner_text()
        assert "¥8.00 off" in row and "from ¥40.00" in row
        assert_accessible(page)
        if width == "phone":
            assert_fits_phone(page)
        shot(page, f"coupons-{width}-2-created")
    finally:
        merchant_ctx.close()

    buyer_ctx, page = _context_page(browser, width)
    try:
        browser_sign_in(page, live_server.url, buyer.email, "secret-pass")
        page.goto(f"{live_server.url}/s/{shop.id}")
        with page.expect_navigation():
            page.click(f".shop-services a[href='/s/{shop.id}/apps/coupons']")
        assert "SPRING8" in page.inner_text(".plugin-page")
        shot(page, f"coupons-{width}-3-storefront-coupons")
        with page.expect_navigation():
            page.click("form.plugin-form button:has-text('Claim: Spring tea')")
        assert "Claimed: use code SPRING8 at checkout." in page.inner_text(".plugin-page")
        assert "You hold 1; used 0." in page.inner_text(".plugin-page")
        assert_accessible(page)
        if width == "phone":
            assert_fits_phone(page)
        shot(page, f"coupons-{width}-4-claimed")

        page.goto(f"{live_server.url}/s/{shop.id}/p/{product.id}")
        page.fill("input[name=recipient_name]", "李买家")
        page.fill("input[name=recipient_phone]", "13800138000")
        page.select_option("select[name=province_code]", "33")
        page.fill("textarea[name=address]", "杭州市西湖区文三路 1 号")
        page.fill("#coupon-code", "SPRING8")
        if width == "phone":
            assert_fits_phone(page)
        shot(page, f"coupons-{width}-5-checkout")
        with page.expect_navigation():
            page.click("#place-order")
        assert "/orders/" in page.url
        assert "-¥8.00" in page.inner_text("main")
        order_id = int(page.url.rsplit("/", 1)[1])
        assert_accessible(page)
        shot(page, f"coupons-{width}-6-order")
    finally:
        buyer_ctx.close()
    with Session(live_server.engine) as session:
        order = session.get(m.Order, order_id)
        assert order is not None
        assert (order.subtotal_fen, order.adjustments_fen, order.total_fen) == (
            4800,
            -800,
            4000 + order.shipping_fen,
        )

    merchant_ctx, page = _context_page(browser, width)
    try:
        browser_sign_in(page, live_server.url, owner.email, "secret-pass")
        page.goto(console)
        row = page.locator(".plugin-page li", has_text="SPRING8").inner_text()
        assert "Claimed: 1" in row and "Redeemed: 1" in row
        with page.expect_download() as caught:
            page.click("a:has-text('Download the redemption report')")
        report = Path(caught.value.path()).read_text(encoding="utf-8-sig").splitlines()
        assert report[0] == "code,title,buyer_id,discount_yuan,subtotal_yuan,redeemed_at"
        assert report[1].startswith(f"SPRING8,Spring tea ¥8 off,{buyer.id},8.00,48.00,")
        if width == "phone":
            assert_fits_phone(page)
        shot(page, f"coupons-{width}-7-redeemed")
    finally:
        merchant_ctx.close()
