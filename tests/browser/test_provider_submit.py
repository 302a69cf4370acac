"""A provider creates a listing and submits a remote version in a real browser."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

import core.models as m
from tests.browser.conftest import LiveServer, assert_accessible, browser_sign_in, shot

PASSWORD = "provider-pass"


def test_a_provider_creates_a_listing_and_submits_a_version(
    live_server: LiveServer, page: Any
) -> None:
    provider = live_server.factory.account(
        email="lin@example.com", password=PASSWORD, is_provider=True, name="Lin Provider"
    )
    browser_sign_in(page, live_server.url, provider.email, PASSWORD)
    page.goto(f"{live_server.url}/provider")
    shot(page, "provider-home-empty")
    assert_accessible(page)
    page.click("text=New listing")
    page.fill("input[name=slug]", "order_copier")
    page.fill("input[name=name]", "Order copier")
    page.fill("input[name=summary]", "Copies paid orders to your warehouse")
    page.fill("textarea[name=description]", "## What it does\n\nCopies **paid** orders.")
    page.select_option("select[name=category]", "orders")
    page.fill("input[name=icon]", "📦")
    page.check("input[name=pricing_model][value=monthly]")
    page.fill("input[name=price_fen]", "1990")
    shot(page, "provider-listing-form")
    assert_accessible(page)
    page.click("form.listing-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/provider/listings/order_copier")
    assert page.locator("h1").inner_text() == "Order copier"
    shot(page, "provider-listing")
    assert_accessible(page)

    page.click("text=New version")
    page.fill("input[name=version]", "1.0.0")
    page.check("input[name=kind][value=remote]")
    page.check("input[name='scope_orders:read']")
    page.fill("input[name='reason_orders:read']", "to copy paid orders to your warehouse")
    page.fill("textarea[name=redirect_uris]", "https://copier.example.com/oauth/callback")
    page.fill("input[name=webhook_url]", "https://copier.example.com/webhooks")
    page.check("input[name=webhook_topics][value='order.paid']")
    page.fill("textarea[name=release_notes]", "First release")
    shot(page, "provider-version-form")
    assert_accessible(page)
    page.click("button[value=submit]")
    page.wait_for_url(f"{live_server.url}/provider/listings/order_copier/versions/1.0.0")
    assert page.locator(".version-status").inner_text() == "submitted"
    assert page.locator(".review-checks > li").count() == 5
    assert page.locator(".review-checks > li.fail").count() == 0
    shot(page, "provider-version-submitted")
    assert_accessible(page)
    with Session(live_server.engine) as session:
        version = session.exec(select(m.ListingVersion)).one()
    assert (version.status, version.checks_passed) == ("submitted", True)
    assert version.webhook_topics == ["order.paid"]


def test_the_version_form_fits_a_phone(live_server: LiveServer, browser: Any) -> None:
    provider = live_server.factory.account(
        email="ma@example.com", password=PASSWORD, is_provider=True
    )
    from tests.marketplace.providerdata import draft_listing

    draft_listing(live_server.engine, provider, slug="order_copier", icon="📦")
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    try:
        browser_sign_in(page, live_server.url, provider.email, PASSWORD)
        page.goto(f"{live_server.url}/provider/listings/order_copier/versions/new")
        assert page.locator("h1").inner_text() == "新版本"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        shot(page, "provider-version-form-phone-zh")
        assert_accessible(page)
        page.click("button[value=submit]")  # nothing filled in: refused, with the fields named
        assert page.locator(".form-errors li").count() >= 1
        shot(page, "provider-version-form-errors-phone-zh")
        assert_accessible(page)
    finally:
        context.close()
