"""A merchant finds a service in the market and installs it through the consent screen, in a
real browser: desktop in English, and a phone in Chinese where the merchant says no."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

import core.models as m
from tests.browser.conftest import LiveServer, assert_accessible, browser_sign_in, shot
from tests.marketplace import marketdata

SLUG = "shipping_insurance"  # loaded by plugins.toml, in the server and its worker alike
SCOPES = [
    {"scope": "orders:read", "reason": "to insure each paid order"},
    {"scope": "aftersales:read", "reason": "to pay out on returns"},
]


def _market(live_server: LiveServer) -> tuple[m.Shop, m.Shop]:
    """The plugin's live listing beside another, and a merchant with two shops."""
    factory = live_server.factory
    provider = factory.account(is_provider=True, name="Tanzi Insurance")
    marketdata.listing(
        live_server.engine,
        provider,
        slug=SLUG,
        name="Shipping insurance",
        summary="Pays buyers' return shipping",
        category="orders",
        icon="🛡️",
        description="Covers **return shipping**.\n\n- a policy per paid order",
        scopes=SCOPES,
        hooks=["order_paid", "aftersale_resolved"],
    )
    marketdata.listing(
        live_server.engine,
        provider,
        slug="stock_sync",
        name="Stock sync",
        summary="Keeps stock in step with a warehouse",
        category="products",
    )
    owner = factory.account(email="li@example.com", password="a-good-password", name="Li Na")
    return factory.shop(owner, name="Tea House"), factory.shop(owner, name="Noodle Bar")


def test_a_merchant_installs_a_service_through_the_consent_screen(
    live_server: LiveServer, page: Any
) -> None:
    _, noodle_bar = _market(live_server)
    browser_sign_in(page, live_server.url, "li@example.com", "a-good-password")

    page.goto(f"{live_server.url}/market")
    assert page.locator(f"a[href='/market/{SLUG}']").count() >= 1
    assert page.locator("a[href='/market/stock_sync']").count() >= 1
    shot(page, "market")
    assert_accessible(page)
    page.fill("input[name=q]", "insurance")
    page.press("input[name=q]", "Enter")
    page.wait_for_load_state()
    assert "q=insurance" in page.url
    assert page.locator("a[href='/market/stock_sync']").count() == 0
    page.locator(f"a[href='/market/{SLUG}']").first.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/market/{SLUG}")
    assert "return shipping" in page.locator(".prose").first.inner_text()
    assert "Why: to insure each paid order" in page.content()
    shot(page, "market-listing")
    assert_accessible(page)

    page.get_by_role("link", name="Install", exact=True).click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/market/{SLUG}/install")
    assert page.locator("h1").inner_text() == "Install Shipping insurance"
    consent = page.locator("ul.scopes").inner_text()
    assert "orders:read" in consent and "aftersales:read" in consent
    assert "Why: to pay out on returns" in consent
    shot(page, "consent")
    assert_accessible(page)

    page.select_option("select[name=shop_id]", label="Noodle Bar")
    page.get_by_role("button", name="Approve and install").click()
    page.wait_for_url(f"{live_server.url}/console/shops/{noodle_bar.id}/apps/{SLUG}")
    assert page.locator("h1").first.inner_text().startswith("Shipping insurance")
    assert page.locator("input[name=premium_rate_bp]").input_value() == "100"
    shot(page, "consent-installed")
    assert_accessible(page)

    with Session(live_server.engine) as session:
        installed = session.exec(select(m.Installation)).all()
        assert [(row.shop_id, row.plugin_id) for row in installed] == [(noodle_bar.id, SLUG)]
        assert installed[0].status == m.InstallationStatus.enabled
        assert sorted(installed[0].granted_scopes) == ["aftersales:read", "orders:read"]


def test_denying_on_a_phone_installs_nothing(live_server: LiveServer, browser: Any) -> None:
    _market(live_server)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        browser_sign_in(page, live_server.url, "li@example.com", "a-good-password")
        page.goto(f"{live_server.url}/market/{SLUG}/install")
        assert page.locator("h1").inner_text() == "安装 Shipping insurance"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        shot(page, "consent-phone-zh")
        assert_accessible(page)
        page.get_by_role("button", name="拒绝").click()
        page.wait_for_url(f"{live_server.url}/market/{SLUG}")
        with Session(live_server.engine) as session:
            assert session.exec(select(m.Installation)).all() == []
    finally:
        context.close()
