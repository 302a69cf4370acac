"""The carrier accounts page in a real browser at phone width: bind an account (verified
with the carrier), see it as a masked card, the secret nowhere on the page."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import LiveServer, browser_sign_in, shot
from tests.carriers.memory import ACCOUNT_NO, SECRET, MemoryCarrier, memory_carrier

__all__ = ["memory_carrier"]


def test_bind_a_carrier_account_on_a_phone(
    live_server: LiveServer, browser: Any, memory_carrier: MemoryCarrier
) -> None:
    owner = live_server.factory.account(email="owner@example.com", password="secret-pass")
    shop = live_server.factory.shop(owner, name="Tea corner")
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN")
    page = context.new_page()
    try:
        browser_sign_in(page, live_server.url, "owner@example.com", "secret-pass")
        page.goto(f"{live_server.url}/console/shops/{shop.id}/carriers")
        assert page.locator("nav.shop-nav a[aria-current=page]").inner_text() == "物流账号"
        page.fill("input[name=account_no]", ACCOUNT_NO)
        page.fill("input[name=secret]", "wrong-secret")
        page.fill("input[name=sender_name]", "摊子好物发货组")
        page.fill("input[name=sender_address]", "浙江省杭州市余杭区文一西路 969 号")
        page.click("text=验证并绑定")
        page.wait_for_load_state()
        assert "快递公司拒绝了该账号或密钥。" in page.content()
        page.fill("input[name=secret]", SECRET)
        page.click("text=验证并绑定")
        page.wait_for_load_state()
        card = page.locator("article.carrier-account").first
        assert "************8841" in card.inner_text()
        assert SECRET not in page.content() and ACCOUNT_NO not in page.content()
        assert page.evaluate("document.body.scrollWidth") <= 375
        shot(page, "console-carriers-phone-zh")
    finally:
        context.close()
