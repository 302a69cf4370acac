"""Every market, installed-service, provider and admin list at 375 px, in Chinese and English:
no sideways scroll (a list is a column of cards, not a cut-off table) and no serious or
critical axe-core violation. Screenshots: ``phone-<page>-<locale>.png``."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session

import core.models as m
from tests.browser.conftest import (
    PHONE_WIDTH,
    LiveServer,
    assert_accessible,
    assert_fits_phone,
    browser_sign_in,
    shot,
)
from tests.marketplace import marketdata
from tests.marketplace.providerdata import PASSED_CHECKS, draft_listing, version_row

PASSWORD = "a-good-password"
LONG_REASON = (
    "The service asked buyers for their phone numbers in a pop-up on every order page, "
    "which its manifest did not declare; suspended until the provider removes it."
)


def _everything(live_server: LiveServer) -> tuple[m.Account, m.Shop]:
    """One account that is a merchant, a provider and an admin, with a row in every list."""
    factory = live_server.factory
    engine = live_server.engine
    me = factory.account(
        email="wang@example.com",
        password=PASSWORD,
        name="Wang Fang",
        is_provider=True,
        is_admin=True,
    )
    shop = factory.shop(me, name="Wang's tea and noodle house of many long names")
    insurance = marketdata.listing(
        engine,
        me,
        slug="shipping_insurance",
        name="Shipping insurance for every parcel and every return",
        summary="Pays buyers' return shipping on every paid order, with no paperwork at all",
        category="orders",
        icon="🛡️",
        scopes=[
            {"scope": "orders:read", "reason": "to insure each paid order"},
            {"scope": "aftersales:read", "reason": "to pay out on returns"},
        ],
    )
    marketdata.listing(engine, me, slug="stock_sync", name="Stock sync", category="products")
    marketdata.installation(
        engine, shop, insurance, scopes=["orders:read", "aftersales:read"], trial_ends_in=None
    )
    draft = draft_listing(engine, me, slug="order_copier_with_a_long_slug", name="Order copier")
    version_row(
        engine,
        draft,
        kind="remote",
        scopes=["orders:read"],
        redirect_uris=["https://copier.example.com/a/very/long/callback/path/for/oauth"],
        checks=PASSED_CHECKS,
        checks_passed=True,
    )
    with Session(engine) as session:
        session.add(
            m.AuditLogEntry(
                actor_id=me.id,
                action="suspend_listing",
                target_type="listing",
                target_id=insurance.id or 0,
                reason=LONG_REASON,
                data={"listing": insurance.slug},
            )
        )
        session.commit()
    return me, shop


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_every_list_fits_a_phone(live_server: LiveServer, browser: Any, locale: str) -> None:
    me, shop = _everything(live_server)
    context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": 800}, locale=locale)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        browser_sign_in(page, live_server.url, me.email, PASSWORD)
        pages = {
            "market": "/market",
            "market-listing": "/market/shipping_insurance",
            "installed": f"/console/shops/{shop.id}/apps",
            "installed-service": f"/console/shops/{shop.id}/apps/shipping_insurance",
            "provider": "/provider",
            "provider-listing": "/provider/listings/shipping_insurance",
            "admin-queue": "/admin",
            "admin-listings": "/admin/listings",
            "admin-shops": "/admin/shops",
            "admin-accounts": "/admin/accounts",
            "admin-audit": "/admin/audit",
        }
        for name, path in pages.items():
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None and response.status == 200, (path, response)
            shot(page, f"phone-{name}-{locale}")
            assert_fits_phone(page)
            assert_accessible(page)
    finally:
        context.close()
