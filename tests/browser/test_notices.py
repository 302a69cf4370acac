"""Notifications in a real browser, at desktop and phone width: a merchant opens a ticket
with a screenshot chosen in the form itself; the admin sees the unread badge in the frame,
opens the notice (it lands on the ticket) and answers; the merchant, reading in Chinese,
sees the badge and the notice in zh-CN and marks all read."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

import core.models as m
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
    image = Image.new("RGB", (300, 180), (245, 245, 245))
    for x in range(30, 270):
        for y in range(60, 100):
            image.putpixel((x, y), (9, 105, 218))
    out = io.BytesIO()
    image.save(out, format="PNG")
    path = tmp_path / "blank-page.png"
    path.write_bytes(out.getvalue())
    return path


def _check(page: Any, name: str, width: str) -> None:
    assert_accessible(page)
    if width == "phone":
        assert_fits_phone(page)
    shot(page, f"{name}-{width}")


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_notices_reach_both_sides_in_their_language(
    live_server: LiveServer, browser: Any, tmp_path: Path, width: str
) -> None:
    owner = live_server.factory.account(email="owner@example.com", name="Li Wei")
    shop = live_server.factory.shop(owner, name="Li's tea corner", type=m.ShopType.personal)
    live_server.factory.account(email="admin@example.com", name="Zhang Admin", is_admin=True)
    merchant = browser.new_context(viewport=VIEWPORTS[width], locale="zh-CN")
    admin = browser.new_context(viewport=VIEWPORTS[width], locale="en-US")
    try:
        page = merchant.new_page()
        browser_sign_in(page, live_server.url, "owner@example.com", "secret-pass")
        page.goto(f"{live_server.url}/console/shops/{shop.id}/support/new")
        page.select_option("select[name=category]", "products")
        page.fill("input[name=subject]", "商品页空白")
        page.fill("textarea[name=description]", "打开商品页只看到空白，见截图。")  # noqa: RUF001
        page.set_input_files("input[name=screenshots]", str(_screenshot_file(tmp_path)))
        _check(page, "notices-new-ticket-zh", width)
        page.click("form[action$='/support/new'] button[type=submit]")
        page.wait_for_load_state()
        thumb = page.locator("ul.screenshots img").first
        thumb.wait_for()
        assert page.evaluate("img => img.naturalWidth", thumb.element_handle()) > 0
        ticket_url = page.url
        ticket_id = ticket_url.rsplit("/", 1)[1]
        assert page.locator(".notices-link .badge").count() == 0

        desk = admin.new_page()
        browser_sign_in(desk, live_server.url, "admin@example.com", "secret-pass")
        desk.goto(f"{live_server.url}/admin/support")
        badge = desk.locator(".notices-link .badge.unread")
        assert badge.inner_text().split()[0] == "1"
        _check(desk, "notices-admin-badge", width)
        desk.click(".notices-link")
        desk.wait_for_load_state()
        notice = desk.locator("li.notice.unread")
        assert notice.count() == 1
        assert f"New support ticket #{ticket_id}: 商品页空白" in notice.inner_text()
        _check(desk, "notices-admin-list", width)
        notice.locator("button[value=link]").click()
        desk.wait_for_load_state()
        assert desk.url.endswith(f"/admin/support/{ticket_id}")
        assert desk.locator(".notices-link .badge").count() == 0
        assert desk.locator("ul.screenshots img").count() == 1
        desk.fill("textarea[name=body]", "Please clear the cache and reload; it is fixed now.")
        desk.click("form[action$='/reply'] button[type=submit]")
        desk.wait_for_load_state()
        assert "Answer sent to the shop." in desk.inner_text("p.flash")

        page.goto(f"{live_server.url}/console/shops/{shop.id}/support")
        badge = page.locator(".notices-link .badge.unread")
        assert badge.inner_text().split()[0] == "1"
        assert "通知" in page.inner_text(".notices-link")
        _check(page, "notices-merchant-badge-zh", width)
        page.click(".notices-link")
        page.wait_for_load_state()
        notice = page.locator("li.notice.unread")
        assert f"平台已答复你的工单 #{ticket_id}：商品页空白" in notice.inner_text()  # noqa: RUF001
        _check(page, "notices-merchant-list-zh", width)
        page.click("text=全部标为已读")
        page.wait_for_load_state()
        assert "已将 1 条通知标为已读。" in page.inner_text("p.flash")
        assert page.locator("li.notice.unread").count() == 0
        assert page.locator(".notices-link .badge").count() == 0
        page.locator("li.notice button[value=link]").click()
        page.wait_for_load_state()
        assert page.url == ticket_url
        assert "Please clear the cache" in page.inner_text("ul.thread")
        _check(page, "notices-merchant-ticket-zh", width)
    finally:
        merchant.close()
        admin.close()
