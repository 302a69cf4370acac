"""Setting a shop up in a real browser, in English on a desktop and in Chinese on a phone
(375 px): open a shop with the live checklist (a wrong check character is named, then
fixed), upload its icon, create a role and invite a member, submit a licence with its
scan, and the admin approves it with the scan previewed."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.browser.conftest import LiveServer, assert_accessible, browser_sign_in, shot

USCC = "91310000MA1FL0000N"
WRONG_USCC = "91310000MA1FL00001"
LANGS = {
    "en": {"locale": "en-US", "viewport": {"width": 1100, "height": 900}, "review": "Under review"},
    "zh": {"locale": "zh-CN", "viewport": {"width": 375, "height": 812}, "review": "审核中"},
}


def _image(path: Path, colour: tuple[int, int, int], size: tuple[int, int]) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def _fits(page: Any, width: int) -> None:
    """Nothing runs off the side of the screen (lists are cards on a phone)."""
    overflow = page.evaluate("() => document.documentElement.scrollWidth")
    assert overflow <= width, f"{page.url} is {overflow}px wide on a {width}px screen"


def _loaded(page: Any, selector: str) -> None:
    page.wait_for_function(
        "(s) => { const i = document.querySelector(s); return i && i.complete && i.naturalWidth > 0; }",
        arg=selector,
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_merchant_sets_up_a_shop_and_the_admin_approves_its_licence(
    live_server: LiveServer, browser: Any, tmp_path: Path, lang: str
) -> None:
    setup = LANGS[lang]
    width = setup["viewport"]["width"]  # type: ignore[index]
    factory = live_server.factory
    factory.account(email="owner@example.com", password="secret-pass")
    factory.account(email="clerk@example.com", password="secret-pass")
    factory.account(email="admin@example.com", password="secret-pass", is_admin=True)
    icon = _image(tmp_path / "icon.png", (30, 140, 90), (256, 256))
    scan = _image(tmp_path / "licence.png", (240, 240, 230), (800, 560))

    context = browser.new_context(viewport=setup["viewport"], locale=setup["locale"])
    page = context.new_page()
    page.set_default_timeout(10_000)
    base = live_server.url
    try:
        # -- open the shop, the checklist following what is typed --------------------------
        browser_sign_in(page, base, "owner@example.com", "secret-pass")
        page.goto(f"{base}/console")
        page.check(".new-shop input[name=type][value=enterprise]")
        checklist = page.locator(".opening-checklist ul[data-for=enterprise]")
        checklist.wait_for(state="visible")
        assert checklist.locator("li.todo").count() == 4
        page.fill(".new-shop input[name=name]", f"Tea corner {lang}")
        page.fill(".new-shop input[name=licence_number]", WRONG_USCC)
        page.fill(".new-shop input[name=operator_name]", "Wang Fang")
        page.fill(".new-shop input[name=settlement_account]", "6222 0000 0000 0000")
        page.fill(".new-shop input[name=settlement_bank]", "ICBC")
        licence = checklist.locator("li[data-field=licence_number]")
        page.wait_for_function(
            "() => document.querySelectorAll('.opening-checklist ul[data-for=enterprise] li.done')"
            ".length === 3"
        )
        assert licence.get_attribute("class") == "todo"
        assert licence.locator(".why").is_visible()
        assert not checklist.locator("li[data-field=operator_name] .why").is_visible()
        shot(page, f"shop-setup-{lang}-1-checklist-wrong-check-character")
        assert_accessible(page)
        page.fill(".new-shop input[name=licence_number]", USCC)
        page.wait_for_selector(
            ".opening-checklist ul[data-for=enterprise] li.done[data-field=licence_number]"
        )
        assert checklist.locator("li.todo").count() == 0
        _fits(page, width)
        with page.expect_navigation():
            page.click(".new-shop button[type=submit]")
        shop_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
        shot(page, f"shop-setup-{lang}-2-opened")
        assert_accessible(page)

        # -- the icon -----------------------------------------------------------------------
        page.click(f".shop-nav a[href='/console/shops/{shop_id}/settings']")
        page.wait_for_load_state()
        page.set_input_files("#icon-upload input[type=file]", str(icon))
        with page.expect_navigation():
            page.click("#icon-upload button[type=submit]")
        _loaded(page, "img.icon-preview")
        _fits(page, width)
        shot(page, f"shop-setup-{lang}-3-icon")
        assert_accessible(page)

        # -- a role and a member -----------------------------------------------------------
        page.click(f".shop-nav a[href='/console/shops/{shop_id}/members']")
        page.wait_for_load_state()
        page.fill(".new-role input[name=name]", "Packer")
        page.check(".new-role input[name=areas][value=orders]")
        page.check(".new-role input[name=areas][value=logistics]")
        with page.expect_navigation():
            page.click(".new-role button")
        page.fill(".invite-form input[name=email]", "clerk@example.com")
        with page.expect_navigation():
            page.click(".invite-form button[type=submit]")
        assert page.locator("table.console-members tbody tr").count() == 2
        assert "clerk@example.com" in page.inner_text("table.console-members")
        assert "2 / 500" in page.inner_text(".member-count") or "2 of 500" in page.inner_text(
            ".member-count"
        )
        _fits(page, width)
        shot(page, f"shop-setup-{lang}-4-members")
        assert_accessible(page)

        # -- a licence with its scan --------------------------------------------------------
        page.click(f".shop-nav a[href='/console/shops/{shop_id}/qualifications']")
        page.wait_for_load_state()
        page.select_option("#qualification-upload select[name=kind]", "food_licence")
        page.fill("#qualification-upload input[name=document_number]", "x")
        page.set_input_files("#qualification-upload input[type=file]", str(scan))
        page.click("#qualification-upload button[type=submit]")
        page.locator("#document_number-error").wait_for(state="visible")  # too short
        page.fill("#qualification-upload input[name=document_number]", "JY13101010001")
        with page.expect_navigation():
            page.click("#qualification-upload button[type=submit]")
        row = page.locator("table.console-qualifications tbody tr").first
        assert setup["review"] in row.inner_text()
        _fits(page, width)
        shot(page, f"shop-setup-{lang}-5-licence-submitted")
        assert_accessible(page)
    finally:
        context.close()

    # -- the admin reviews it with the scan -----------------------------------------------
    context = browser.new_context(viewport=setup["viewport"], locale=setup["locale"])
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        browser_sign_in(page, base, "admin@example.com", "secret-pass")
        page.goto(f"{base}/admin")
        page.click("nav.tabs a[href='/admin/qualifications']")
        page.wait_for_load_state()
        _loaded(page, "img.document-preview")
        _fits(page, width)
        shot(page, f"shop-setup-{lang}-6-admin-review")
        assert_accessible(page)
        with page.expect_navigation():
            page.click("form.approve button")
        assert page.locator("img.document-preview").count() == 0  # no longer pending
        page.goto(f"{base}/admin/qualifications?status=approved")
        assert page.locator("table.admin-qualifications .badge.approved").count() == 1
        shot(page, f"shop-setup-{lang}-7-admin-approved")
        assert_accessible(page)
    finally:
        context.close()
