"""An admin approves one version and rejects another in a real browser."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

import core.models as m
from tests.browser.conftest import LiveServer, assert_accessible, browser_sign_in, shot
from tests.marketplace.providerdata import PASSED_CHECKS, draft_listing, version_row

PASSWORD = "admin-password"


def test_an_admin_approves_one_version_and_rejects_another(
    live_server: LiveServer, page: Any
) -> None:
    provider = live_server.factory.account(is_provider=True, name="Lin Provider")
    good = draft_listing(live_server.engine, provider, slug="order_copier", name="Order copier")
    bad = draft_listing(live_server.engine, provider, slug="popup_promo", name="Popup promo")
    checks = {
        "passed": False,
        "results": [
            {
                "name": "scopes",
                "status": "warn",
                "findings": [
                    {
                        "severity": "warning",
                        "message": "extra scope orders:pii",
                        "where": "scopes[0]",
                    }
                ],
            }
        ],
    }
    version_row(
        live_server.engine,
        good,
        kind="remote",
        scopes=["orders:read"],
        redirect_uris=["https://copier.example.com/cb"],
        checks=PASSED_CHECKS,
        checks_passed=True,
    )
    version_row(
        live_server.engine,
        bad,
        kind="remote",
        scopes=["orders:pii"],
        redirect_uris=["https://popup.example.com/cb"],
        checks=checks,
        checks_passed=True,
    )
    admin = live_server.factory.account(password=PASSWORD, is_admin=True, name="Zhao Admin")
    browser_sign_in(page, live_server.url, admin.email, PASSWORD)
    page.goto(f"{live_server.url}/admin")
    assert page.locator(".queue-item").count() == 2
    shot(page, "admin-queue")
    assert_accessible(page)

    page.click(".queue-item:has-text('Order copier') >> text=Review")
    shot(page, "admin-version")
    assert_accessible(page)
    page.click("form.approve button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin")
    assert "Approved Order copier 1.0.0" in page.locator(".flash").inner_text()
    assert page.locator(".queue-item").count() == 1

    page.click(".queue-item:has-text('Popup promo') >> text=Review")
    page.click("form.reject button[type=submit]")  # no reason yet: refused
    assert page.locator("#reason-error").inner_text() == "Say why: the provider reads this reason."
    shot(page, "admin-reject-needs-reason")
    assert_accessible(page)
    page.fill("textarea[name=reason]", "Buyers' phone numbers are not needed for a popup.")
    page.click("form.reject button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin")
    assert page.locator(".queue-item").count() == 0
    shot(page, "admin-queue-empty")
    assert_accessible(page)

    page.goto(f"{live_server.url}/admin/listings")
    shot(page, "admin-listings")
    assert_accessible(page)
    page.goto(f"{live_server.url}/admin/audit")
    assert page.locator("table.audit tbody tr").count() == 2
    shot(page, "admin-audit")
    assert_accessible(page)
    with Session(live_server.engine) as session:
        statuses = {
            listing.slug: (listing.status, version.status)
            for version, listing in session.exec(
                select(m.ListingVersion, m.Listing).join(
                    m.Listing, m.Listing.id == m.ListingVersion.listing_id
                )
            )
        }
    assert statuses == {
        "order_copier": ("live", "approved"),
        "popup_promo": ("draft", "rejected"),
    }
