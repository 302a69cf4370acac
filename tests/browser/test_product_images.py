"""The product images page in a real browser: the script uploads the chosen file, the page
shows it as the main image; an SVG is refused with the server's message on the page."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from PIL import Image

from tests.browser.conftest import LiveServer, assert_accessible, browser_sign_in, shot


def test_a_merchant_uploads_a_product_image_and_an_svg_is_refused(
    live_server: LiveServer, page: Any, tmp_path: Path
) -> None:
    owner = live_server.factory.account(email="owner@example.com", password="secret-pass")
    shop = live_server.factory.shop(owner, name="Tea corner")
    product, _ = live_server.factory.product(shop)
    photo = tmp_path / "cup.png"
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (180, 40, 40)).save(buffer, format="PNG")
    photo.write_bytes(buffer.getvalue())
    drawing = tmp_path / "cup.svg"
    drawing.write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')

    browser_sign_in(page, live_server.url, "owner@example.com", "secret-pass")
    page.goto(f"{live_server.url}/console/shops/{shop.id}/products")
    page.click(f"a[href='/console/shops/{shop.id}/products/{product.id}/images']")
    assert page.locator(".image-grid img").count() == 0

    page.set_input_files("#image-upload input[type=file]", str(photo))
    with page.expect_navigation():
        page.click("#image-upload button[type=submit]")
    assert page.locator(".image-grid img").count() == 1
    assert page.locator(".image-grid .badge").count() == 1  # the first image is the main one
    page.wait_for_function(  # the thumbnail is served and decodes in the browser
        "() => { const i = document.querySelector('.image-grid img');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    shot(page, "product-images-uploaded")
    assert_accessible(page)

    page.set_input_files("#image-upload input[type=file]", str(drawing))
    page.click("#image-upload button[type=submit]")
    error = page.locator("#image-upload-error")
    error.wait_for(state="visible")
    assert error.inner_text().strip()
    assert page.locator(".image-grid img").count() == 1
    shot(page, "product-images-svg-refused")
    assert_accessible(page)
