"""A merchant removes a service from their shop in a real browser, desktop and phone."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

import core.models as m
from tests.browser.conftest import LiveServer, assert_accessible, browser_sign_in, shot
from tests.marketplace import marketdata

SLUG = "shipping_insurance"  # loaded by plugins.toml, in the server and its worker alike


def _installed(live_server: LiveServer) -> tuple[m.Account, m.Shop, m.Installation]:
    factory = live_server.factory
    provider = factory.account(is_provider=True, name="Tanzi Insurance")
    listing = marketdata.listing(
        live_server.engine,
        provider,
        slug=SLUG,
        name="Shipping insurance",
        summary="Pays buyers' return shipping",
        icon="🛡️",
        scopes=[{"scope": "orders:read", "reason": "to insure each paid order"}],
    )
    owner = factory.account(email="li@example.com", password="a-good-password", name="Li Na")
    shop = factory.shop(owner, name="Tea House")
    installation = marketdata.installation(
        live_server.engine, shop, listing, scopes=["orders:read"]
    )
    return owner, shop, installation


def test_a_merchant_uninstalls_a_service(live_server: LiveServer, page: Any) -> None:
    _, shop, installation = _installed(live_server)
    browser_sign_in(page, live_server.url, "li@example.com", "a-good-password")
    page.goto(f"{live_server.url}/console/shops/{shop.id}/apps")
    row = page.locator(f"tr[data-slug={SLUG}]")
    assert "Running" in row.inner_text()
    shot(page, "installed-services-list")
    assert_accessible(page)

    row.get_by_role("link", name="Shipping insurance").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/apps/{SLUG}")
    assert page.locator("input[name=premium_rate_bp]").input_value() == "100"
    shot(page, "installed-service-page")
    assert_accessible(page)

    dialogs: list[str] = []

    def accept(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    page.get_by_role("button", name="Uninstall").click()
    page.wait_for_url(f"{live_server.url}/console/shops/{shop.id}/apps")
    assert dialogs == ["Remove Shipping insurance from Tea House?"]
    assert "Removed." in page.locator(".flash.success").inner_text()
    row = page.locator(f"tr[data-slug={SLUG}]")
    assert "Removed" in row.inner_text() and "cleaning up until" in row.inner_text()
    shot(page, "installed-service-removed")
    assert_accessible(page)
    with Session(live_server.engine) as session:
        removed = session.get(m.Installation, installation.id)
        assert removed is not None
        assert removed.status == m.InstallationStatus.removed
        assert removed.cleanup_until is not None


def test_dismissing_the_question_keeps_the_service_on_a_phone(
    live_server: LiveServer, browser: Any
) -> None:
    _, shop, installation = _installed(live_server)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    try:
        browser_sign_in(page, live_server.url, "li@example.com", "a-good-password")
        page.goto(f"{live_server.url}/console/shops/{shop.id}/apps/{SLUG}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.once("dialog", lambda dialog: dialog.dismiss())
        page.get_by_role("button", name="卸载").click()
        page.wait_for_timeout(300)
        assert page.url.endswith(f"/apps/{SLUG}")
        shot(page, "installed-service-phone-zh")
        assert_accessible(page)
        with Session(live_server.engine) as session:
            kept = session.get(m.Installation, installation.id)
            assert kept is not None and kept.status == m.InstallationStatus.enabled
    finally:
        context.close()
