"""In Chinese, in a real browser: the admin review page of a version whose automated check
failed (no approve button, the reason and the fix hint shown) and the shipping insurance
settings form (translated labels, money in yuan). Screenshots are kept."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import Session

import core.models as m
from tests.browser.conftest import LiveServer, assert_accessible, browser_sign_in, shot
from tests.marketplace import marketdata
from tests.marketplace.providerdata import draft_listing, version_row

PASSWORD = "truthful-pass"
FAILED_URLS = {
    "passed": False,
    "results": [
        {"name": "manifest", "status": "pass", "findings": []},
        {
            "name": "urls",
            "status": "fail",
            "findings": [
                {
                    "severity": "error",
                    "message": "http://copier.example.com/hooks must be an https:// URL",
                    "where": "webhook_url",
                }
            ],
        },
    ],
}


@pytest.fixture
def zh_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_the_admin_review_page_of_a_failed_check_in_chinese(
    live_server: LiveServer, zh_page: Any
) -> None:
    provider = live_server.factory.account(is_provider=True, name="Lin Provider")
    row = draft_listing(live_server.engine, provider, slug="order_copier", name="订单复制")
    version = version_row(
        live_server.engine,
        row,
        kind="remote",
        redirect_uris=["https://copier.example.com/cb"],
        checks=FAILED_URLS,
        checks_passed=False,
    )
    admin = live_server.factory.account(password=PASSWORD, is_admin=True, name="Zhao Admin")
    browser_sign_in(zh_page, live_server.url, admin.email, PASSWORD)
    zh_page.goto(f"{live_server.url}/admin/versions/{version.id}")
    assert zh_page.locator("form.approve").count() == 0
    assert "不能批准" in zh_page.locator(".approval-blocked").inner_text()
    failed = zh_page.locator("li.fail[data-check=urls]")
    assert "网址" in failed.inner_text() and "修复方法" in failed.inner_text()
    assert zh_page.locator("form.reject button[type=submit]").is_visible()
    shot(zh_page, "admin-review-failed-check-zh")
    assert_accessible(zh_page)
    with Session(live_server.engine) as session:
        stored = session.get(m.ListingVersion, version.id)
        assert stored is not None and stored.status == m.VersionStatus.submitted


def test_the_settings_form_in_chinese(live_server: LiveServer, zh_page: Any) -> None:
    provider = live_server.factory.account(is_provider=True)
    row = marketdata.listing(live_server.engine, provider, slug="shipping_insurance", name="运费险")
    owner = live_server.factory.account(password=PASSWORD)
    shop = live_server.factory.shop(owner, name="摊子茶馆")
    installation = marketdata.installation(
        live_server.engine, shop, row, scopes=["orders:read"], settings={"min_premium_fen": 60}
    )
    browser_sign_in(zh_page, live_server.url, owner.email, PASSWORD)
    url = f"{live_server.url}/console/shops/{shop.id}/apps/shipping_insurance"
    zh_page.goto(url)
    form = zh_page.locator("fieldset")
    text = form.inner_text()
    for label in ("保费费率", "最低保费", "最高保费", "每次退货赔付"):
        assert label in text
    assert "fen" not in text and "Min premium" not in text
    assert zh_page.input_value("input[name=min_premium_fen]") == "0.60"
    shot(zh_page, "settings-form-zh")
    assert_accessible(zh_page)
    zh_page.fill("input[name=max_premium_fen]", "8.50")
    zh_page.click("form.settings-form button[type=submit]")
    zh_page.wait_for_load_state()
    with Session(live_server.engine) as session:
        saved = session.get(m.Installation, installation.id)
        assert saved is not None and saved.settings["max_premium_fen"] == 850
