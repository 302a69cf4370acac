"""Adding a product in a real browser: a 2x3 SKU matrix built by the page's script from two
options, three images uploaded at once, then listed - in English on a desktop and in
Simplified Chinese at 375 px (every page fits the phone's width)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import text

from tests.browser.conftest import LiveServer, assert_accessible, browser_sign_in, shot

CASES = {
    "en-desktop": ("en-US", 1100, ("Colour", "Size"), "New product", "Listed"),
    "zh-phone": ("zh-CN", 375, ("颜色", "尺码"), "新建商品", "已上架"),
}


def _photos(directory: Path) -> list[str]:
    paths = []
    for n, colour in enumerate(((200, 40, 40), (40, 160, 60), (40, 60, 200))):
        path = directory / f"shirt-{n + 1}.png"
        buffer = io.BytesIO()
        Image.new("RGB", (320, 240), colour).save(buffer, format="PNG")
        path.write_bytes(buffer.getvalue())
        paths.append(str(path))
    return paths


def _fits(page: Any, width: int) -> None:
    if width <= 400:
        assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


@pytest.mark.parametrize("case", list(CASES))
def test_a_merchant_adds_a_product_with_three_images_and_a_two_by_three_matrix(
    live_server: LiveServer, browser: Any, tmp_path: Path, case: str
) -> None:
    locale, width, (colour, size), new_label, listed_label = CASES[case]
    factory = live_server.factory
    owner = factory.account(email="owner@example.com", password="secret-pass")
    shop = factory.shop(owner, name="Linen corner")
    category = factory.category(name="服饰鞋包 Clothing")
    context = browser.new_context(viewport={"width": width, "height": 900}, locale=locale)
    page = context.new_page()
    page.set_default_timeout(10_000)
    base = f"{live_server.url}/console/shops/{shop.id}/products"
    try:
        browser_sign_in(page, live_server.url, "owner@example.com", "secret-pass")
        page.goto(base)
        _fits(page, width)
        page.click(f"a[href='/console/shops/{shop.id}/products/new']")
        page.wait_for_load_state()
        assert new_label in page.locator("h1").inner_text()

        page.fill("input[name=title]", "Linen shirt")
        page.fill("textarea[name=description]", "Soft, cool linen.")
        page.select_option("select[name=category_id]", str(category.id))
        page.fill("input[name=weight_g]", "250")
        names, values = page.locator(".opt-name"), page.locator(".opt-values")
        names.nth(0).fill(colour)
        values.nth(0).fill("Red, Blue")
        names.nth(1).fill(size)
        values.nth(1).fill("S, M, L")
        rows = page.locator("#sku-matrix tbody tr")
        assert rows.count() == 6  # the script built the matrix
        assert page.locator(".build-rows").is_hidden()
        for i in range(6):
            rows.nth(i).locator("input[name=row_price]").fill(f"{59 + i}.00")
            rows.nth(i).locator("input[name=row_stock]").fill(str(5 + i))
        page.check("input[name=provinces][value='31']")
        page.check("input[name=self_pickup]")
        _fits(page, width)
        shot(page, f"console-product-new-{case}")
        assert_accessible(page)
        with page.expect_navigation():
            page.click("button[name=op][value=save]")
        assert page.locator("#sku-matrix tbody tr").count() == 6
        assert page.locator(".flash.success").count() == 1

        page.click("#images a[href$='/images']")
        page.wait_for_load_state()
        page.set_input_files("#image-upload input[type=file]", _photos(tmp_path))
        with page.expect_navigation():
            page.click("#image-upload button[type=submit]")
        assert page.locator(".image-grid img").count() == 3
        assert page.locator(".image-grid .badge").count() == 1  # the first is the main one
        with page.expect_navigation():
            page.locator(".image-grid li").nth(2).locator("button", has_text="↑").click()
        _fits(page, width)
        shot(page, f"console-product-images-{case}")
        assert_accessible(page)

        page.click(f"a[href='/console/shops/{shop.id}/products/{_product_id(page)}']")
        page.wait_for_load_state()
        assert page.locator("#images img").count() == 3
        with page.expect_navigation():
            page.click("form[action$='/list'] button")
        assert listed_label in page.locator("h1 .badge").inner_text()
        _fits(page, width)
        shot(page, f"console-product-edit-{case}")
        assert_accessible(page)

        page.goto(base)
        assert page.locator("table.console-products tbody tr").count() == 1
        _fits(page, width)
        shot(page, f"console-products-list-{case}")
        assert_accessible(page)
    finally:
        context.close()

    with live_server.engine.connect() as conn:
        codes = [row[0] for row in conn.execute(text("SELECT code FROM sku ORDER BY id"))]
    assert codes == [f"Red-{s}" for s in ("S", "M", "L")] + [f"Blue-{s}" for s in ("S", "M", "L")]


def _product_id(page: Any) -> str:
    return page.url.rstrip("/").split("/products/")[1].split("/")[0]
