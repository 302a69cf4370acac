"""Platform support and the growth centre in a real browser, at desktop and phone width:
a personal-shop merchant opens a ticket from a console page and attaches a screenshot, an
admin assigns and answers it, the merchant reads the answer; a guide opens from a console
page and its progress shows in the growth centre."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlmodel import Session

import core.models as m
from core.guide_library import seed_guides
from tests.browser.conftest import (
    PHONE_WIDTH,
    LiveServer,
    assert_accessible,
    assert_fits_phone,
    browser_sign_in,
    shot,
)

VIEWPORTS = {
    "desktop": {"width": 1100, "height": 900},
    "phone": {"width": PHONE_WIDTH, "height": 812},
}


def _screenshot_file(tmp_path: Path) -> Path:
    image = Image.new("RGB", (320, 200), (240, 240, 240))
    for x in range(40, 280):
        for y in range(80, 120):
            image.putpixel((x, y), (207, 34, 46))
    out = io.BytesIO()
    image.save(out, format="PNG")
    path = tmp_path / "error-banner.png"
    path.write_bytes(out.getvalue())
    return path


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_a_merchant_asks_and_an_admin_answers(
    live_server: LiveServer, browser: Any, tmp_path: Path, width: str
) -> None:
    owner = live_server.factory.account(email="owner@example.com", name="Li Wei")
    shop = live_server.factory.shop(owner, name="Li's second-hand books", type=m.ShopType.personal)
    order, _ = live_server.factory.order(shop)
    live_server.factory.account(email="admin@example.com", name="Zhang Admin", is_admin=True)
    merchant = browser.new_context(viewport=VIEWPORTS[width], locale="en-US")
    admin = browser.new_context(viewport=VIEWPORTS[width], locale="en-US")
    try:
        page = merchant.new_page()
        browser_sign_in(page, live_server.url, "owner@example.com", "secret-pass")
        page.goto(f"{live_server.url}/console/shops/{shop.id}/orders/{order.id}")
        page.click("a.support-link")
        page.wait_for_load_state()
        assert page.input_value("input[name=order_id]") == str(order.id)
        page.select_option("select[name=category]", "orders")
        page.fill("input[name=subject]", "The buyer's address is wrong")
        page.fill(
            "textarea[name=description]", "The buyer paid, then wrote that the street is wrong."
        )
        assert_accessible(page)
        if width == "phone":
            assert_fits_phone(page)
        shot(page, f"support-new-{width}")
        page.click("text=Send to the platform")
        page.wait_for_load_state()
        assert "sent to the platform" in page.inner_text("p.flash")
        page.set_input_files("#screenshot-upload input[type=file]", str(_screenshot_file(tmp_path)))
        with page.expect_navigation():
            page.click("#screenshot-upload button[type=submit]")
        thumb = page.locator("ul.screenshots img").first
        thumb.wait_for()
        assert page.evaluate("img => img.naturalWidth", thumb.element_handle()) > 0
        ticket_url = page.url
        ticket_id = ticket_url.rsplit("/", 1)[1]
        assert_accessible(page)
        if width == "phone":
            assert_fits_phone(page)
        shot(page, f"support-ticket-merchant-{width}")

        desk = admin.new_page()
        browser_sign_in(desk, live_server.url, "admin@example.com", "secret-pass")
        desk.goto(f"{live_server.url}/admin/support")
        row = desk.locator(f"#ticket-{ticket_id}")
        assert "The buyer's address is wrong" in row.inner_text()
        assert "Nobody yet" in row.inner_text()
        assert_accessible(desk)
        if width == "phone":
            assert_fits_phone(desk)
        shot(desk, f"support-queue-{width}")
        row.locator("a").click()
        desk.wait_for_load_state()
        assert (
            desk.evaluate(
                "img => img.naturalWidth", desk.locator("ul.screenshots img").first.element_handle()
            )
            > 0
        )
        desk.click("text=Assign")
        desk.wait_for_load_state()
        desk.fill("textarea[name=body]", "Buyer has two other open orders; watch this one.")
        desk.check("input[name=internal]")
        desk.click("form[action$='/reply'] button[type=submit]")
        desk.wait_for_load_state()
        desk.fill(
            "textarea[name=body]", "Ask the buyer to cancel and order again with the right street."
        )
        desk.click("form[action$='/reply'] button[type=submit]")
        desk.wait_for_load_state()
        assert "Answer sent to the shop." in desk.inner_text("p.flash")
        assert desk.locator("ul.thread li.internal").count() == 1
        assert_accessible(desk)
        if width == "phone":
            assert_fits_phone(desk)
        shot(desk, f"support-ticket-admin-{width}")

        page.goto(ticket_url)
        thread = page.inner_text("ul.thread")
        assert "Ask the buyer to cancel" in thread
        assert "two other open orders" not in page.content()
        assert page.inner_text(".badge.answered") == "Answered"
        shot(page, f"support-answered-{width}")
    finally:
        merchant.close()
        admin.close()


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_a_guide_opens_from_a_console_page_and_progress_shows(
    live_server: LiveServer, browser: Any, width: str
) -> None:
    with Session(live_server.engine) as session:
        seed_guides(session)
        session.commit()
    owner = live_server.factory.account(email="owner@example.com")
    shop = live_server.factory.shop(owner, name="茶香小铺", type=m.ShopType.personal)
    context = browser.new_context(viewport=VIEWPORTS[width], locale="zh-CN")
    try:
        page = context.new_page()
        browser_sign_in(page, live_server.url, "owner@example.com", "secret-pass")
        page.goto(f"{live_server.url}/console/shops/{shop.id}/products")
        page.click("a.guide-link:has-text('上架第一件商品')")
        page.wait_for_load_state()
        assert page.inner_text("article.guide h1") == "上架第一件商品"
        assert page.locator("article.guide ol li").count() == 4
        assert_accessible(page)
        if width == "phone":
            assert_fits_phone(page)
        shot(page, f"guide-zh-{width}")
        page.click("text=标记为已完成")
        page.wait_for_load_state()
        assert page.locator("span.badge.completed").count() == 1
        page.goto(f"{live_server.url}/console/shops/{shop.id}/growth")
        course = page.locator("#course-products")
        assert "已完成 1 / 2" in course.inner_text()
        assert course.locator("progress").get_attribute("value") == "1"
        page.fill("input[name=q]", "运单")
        page.click("form[role=search] button")
        page.wait_for_load_state()
        assert "物流账号与运费模板" in page.inner_text(".guide-results")
        assert_accessible(page)
        if width == "phone":
            assert_fits_phone(page)
        shot(page, f"growth-centre-zh-{width}")
    finally:
        context.close()


def test_an_admin_writes_a_guide_and_its_console_page_links_it(
    live_server: LiveServer, browser: Any
) -> None:
    live_server.factory.account(email="admin@example.com", is_admin=True)
    owner = live_server.factory.account(email="owner@example.com")
    shop = live_server.factory.shop(owner, name="Tea corner")
    admin = browser.new_context(viewport=VIEWPORTS["desktop"], locale="en-US")
    merchant = browser.new_context(viewport=VIEWPORTS["phone"], locale="en-US")
    try:
        desk = admin.new_page()
        browser_sign_in(desk, live_server.url, "admin@example.com", "secret-pass")
        desk.goto(f"{live_server.url}/admin/guides")
        desk.click("text=Write a guide")
        desk.wait_for_load_state()
        desk.fill("input[name=slug]", "pickup-codes")
        desk.select_option("select[name=course]", "orders")
        desk.fill("input[name=position]", "3")
        desk.select_option("select[name=page_key]", "pickup")
        desk.fill("input[name=title_zh]", "自提码")
        desk.fill("textarea[name=body_zh]", "买家到店出示 **取货码** 后在订单页核销。")
        desk.fill("input[name=title_en]", "Pickup codes")
        desk.fill(
            "textarea[name=body_en]",
            "The buyer shows the **pickup code**; hand over on the order's page.",
        )
        desk.check("input[name=published]")
        desk.click("form button[type=submit]")
        desk.wait_for_load_state()
        assert "The guide is saved." in desk.inner_text("p.flash")
        assert "<strong>pickup code</strong>" in desk.inner_html("section.prose[lang=en]")
        assert_accessible(desk)
        shot(desk, "guide-admin-saved-desktop")

        page = merchant.new_page()
        browser_sign_in(page, live_server.url, "owner@example.com", "secret-pass")
        page.goto(f"{live_server.url}/console/shops/{shop.id}/pickup-stores")
        page.click("a.guide-link:has-text('Pickup codes')")
        page.wait_for_load_state()
        assert page.inner_text("article.guide h1") == "Pickup codes"
        assert_fits_phone(page)
        shot(page, "guide-from-pickup-page-phone")
    finally:
        admin.close()
        merchant.close()
