"""The Shipping page at 375 px in Chinese: a merchant adds a fee template with a province
rule, sees a refusal at its field, and sets the unpaid-order timeout; the page fits the
phone and axe-core finds nothing serious. Screenshots: ``shipping-*.png``."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

import core.models as m
from tests.browser.conftest import (
    PHONE_WIDTH,
    LiveServer,
    assert_accessible,
    assert_fits_phone,
    browser_sign_in,
    shot,
)

PASSWORD = "a-good-password"


def test_shipping_page_on_a_phone_in_chinese(live_server: LiveServer, browser: Any) -> None:
    factory = live_server.factory
    owner = factory.account(email="li@example.com", password=PASSWORD, name="Li Lei")
    shop = factory.shop(owner, name="李雷的茶叶铺", settlement_bank="招商银行杭州分行")
    context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": 800}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        browser_sign_in(page, live_server.url, owner.email, PASSWORD)
        page.goto(f"{live_server.url}/console/shops/{shop.id}/shipping")
        assert page.locator("h1").inner_text().startswith("运费")
        new = page.locator("#new-template form")
        new.locator("input[name=name]").fill("全国包邮外")
        new.locator("input[name=first_fee]").fill("abc")
        new.locator("button[type=submit]").click()
        page.wait_for_load_state()
        assert (
            "请输入 0 到 10,000 元之间的金额" in page.locator("#new-first_fee-error").inner_text()
        )
        shot(page, "shipping-refused-zh-CN")
        assert_accessible(page)

        new = page.locator("#new-template form")
        new.locator("input[name=first_fee]").fill("8")
        new.locator("input[name=additional_fee]").fill("2")
        new.locator("select[name=province_code]").first.select_option("65")
        new.locator("input[name=province_first_fee]").first.fill("20")
        new.locator("input[name=province_additional_fee]").first.fill("10")
        new.locator("button[type=submit]").click()
        page.wait_for_load_state()
        card = page.locator("table.shipping-templates tbody tr").first
        assert "全国包邮外" in card.inner_text() and "新疆" in card.inner_text()

        timeout = page.locator("#unpaid-timeout form")
        timeout.locator("input[name=unpaid_cancel_minutes]").fill("45")
        timeout.locator("button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator("input[name=unpaid_cancel_minutes]").input_value() == "45"
        shot(page, f"shipping-phone-zh-CN-{PHONE_WIDTH}")
        assert_fits_phone(page)
        assert_accessible(page)
    finally:
        context.close()
    with Session(live_server.engine) as session:
        template = session.exec(select(m.ShippingTemplate)).one()
        assert template.first_fee_fen == 800 and template.province_fees[0]["province_code"] == "65"
        assert session.get(m.Shop, shop.id).unpaid_cancel_minutes == 45  # type: ignore[union-attr]
