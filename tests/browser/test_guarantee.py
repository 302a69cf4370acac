"""交易保障 in a real browser, on the demo world, at desktop width (English) and phone width
(375 px, Chinese): a buyer searches the platform and finds the certified shop first with its
green 保 badge, on its storefront and product; the merchant reads the Teahouse's failed
criteria and what to fix; the admin sees the criteria and the latest results."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, select

import core.models as m
from core.db import session_scope
from core.demo import load_demo
from tests.browser.conftest import (
    LiveServer,
    assert_accessible,
    assert_fits_phone,
    browser_sign_in,
    shot,
)

VIEWS = {
    "desktop-en": ({"width": 1100, "height": 900}, "en-US"),
    "phone-zh": ({"width": 375, "height": 812}, "zh-CN"),
}
WORDS = {
    "en-US": {
        "missed": "Not certified",
        "orders": "Orders in the period",
        "fix": "Sell a few more orders",
    },
    "zh-CN": {"missed": "未认证", "orders": "期内订单数", "fix": "多成交几单"},
}


def _demo(live_server: LiveServer) -> dict[str, int]:
    with session_scope(live_server.engine) as session:
        load_demo(session, settings=live_server.settings)
    with Session(live_server.engine) as session:
        return {s.name: s.id or 0 for s in session.exec(select(m.Shop))}


@pytest.mark.parametrize("view", sorted(VIEWS))
def test_the_badge_in_search_and_storefront_and_the_reasons_in_the_console(
    live_server: LiveServer, browser: Any, view: str
) -> None:
    shops = _demo(live_server)
    goods, teahouse = shops["摊子好物 Tanzi Goods"], shops["摊子茶馆 Tanzi Teahouse"]
    viewport, locale = VIEWS[view]
    words = WORDS[locale]
    phone = viewport["width"] == 375
    context = browser.new_context(viewport=viewport, locale=locale)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        # a buyer searches the whole platform: the certified shop and its tea come first
        page.goto(f"{live_server.url}/search")
        page.fill("input[name=q]", "龙井")
        page.click("form[role=search] button[type=submit]")
        page.wait_for_selector(".product-hit")
        hits = page.locator(".product-hit")
        assert hits.count() == 2
        assert hits.nth(0).locator(".guarantee-badge").count() == 1
        assert hits.nth(1).locator(".guarantee-badge").count() == 0
        assert "Tanzi Goods" in hits.nth(0).inner_text()
        assert "Tanzi Teahouse" in hits.nth(1).inner_text()
        shot(page, f"guarantee-{view}-1-search")
        assert_accessible(page)
        if phone:
            assert_fits_phone(page)

        hits.nth(0).locator("a.title").click()
        page.wait_for_selector(".guarantee-line .guarantee-badge")
        shot(page, f"guarantee-{view}-2-product")
        page.goto(f"{live_server.url}/s/{goods}")
        assert page.locator(".shop-head h1 .guarantee-badge").count() == 1
        shot(page, f"guarantee-{view}-3-storefront")
        assert_accessible(page)
        page.goto(f"{live_server.url}/s/{teahouse}")
        assert page.locator(".guarantee-badge").count() == 0

        # the merchant reads why the Teahouse failed and what to fix
        browser_sign_in(page, live_server.url, "merchant@demo.tanzi", "demo-merchant")
        page.goto(f"{live_server.url}/console/shops/{teahouse}/guarantee")
        result = page.locator("#guarantee-result")
        assert words["missed"] in result.inner_text()
        assert words["orders"] in result.inner_text() and words["fix"] in result.inner_text()
        shot(page, f"guarantee-{view}-4-console-teahouse")
        assert_accessible(page)
        if phone:
            assert_fits_phone(page)
        page.goto(f"{live_server.url}/console/shops/{goods}/guarantee")
        assert page.locator("#guarantee-result .guarantee-badge").count() == 1
        shot(page, f"guarantee-{view}-5-console-goods")

        # the admin's criteria and results
        page.context.clear_cookies()
        browser_sign_in(page, live_server.url, "admin@demo.tanzi", "demo-admin")
        page.goto(f"{live_server.url}/admin/guarantee")
        assert page.locator("#guarantee-results tbody tr").count() == 2
        shot(page, f"guarantee-{view}-6-admin")
        assert_accessible(page)
        if phone:
            assert_fits_phone(page)
    finally:
        context.close()
