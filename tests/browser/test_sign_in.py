"""The sign-in and sign-up pages in a real browser, desktop and phone."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import LiveServer, assert_accessible, browser_sign_in, shot


def test_a_merchant_signs_up_and_lands_signed_in(live_server: LiveServer, page: Any) -> None:
    page.goto(f"{live_server.url}/signup")
    shot(page, "signup")
    assert_accessible(page)
    page.fill("input[name=name]", "Chen Mei")
    page.fill("input[name=email]", "chen@example.com")
    page.fill("input[name=password]", "a-good-password")
    page.click("form[action='/signup'] button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/console")
    page.goto(f"{live_server.url}/signup")
    assert page.locator(".who").inner_text() == "Chen Mei"


def test_wrong_password_shows_the_error_on_a_phone(live_server: LiveServer, browser: Any) -> None:
    live_server.factory.account(email="ma@example.com", password="right-password")
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    try:
        browser_sign_in(page, live_server.url, "ma@example.com", "wrong-password")
        assert page.locator("[role=alert]").inner_text() == "邮箱或密码不正确。"
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390  # nothing overflows the phone's screen sideways
        shot(page, "signin-error-phone-zh")
        assert_accessible(page)
        browser_sign_in(page, live_server.url, "ma@example.com", "right-password")
        assert page.locator(".who").count() == 1
    finally:
        context.close()
