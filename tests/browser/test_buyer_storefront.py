"""The buyer page in a real browser at phone width (375 px), in English and Chinese:
browse with pictures, choose an SKU, order, pay in the sandbox, follow the parcel the
merchant sent (through the API), and ask for a refund."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlmodel import Session, select

import core.models as m
from tests.browser.conftest import LiveServer, assert_accessible, browser_sign_in, shot

PHONE = {"width": 375, "height": 812}
WORDS = {
    "en-US": {"paid": "Paid, awaiting shipment", "asked": "Waiting for the shop"},
    "zh-CN": {"paid": "已付款，等待发货", "asked": "等待店铺处理"},  # noqa: RUF001
}


def _png(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 400), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _shop_with_pictures(live_server: LiveServer) -> tuple[m.Shop, m.Product, m.Sku, dict]:
    factory = live_server.factory
    owner = factory.account()
    shop = factory.shop(owner, name="摊子茶馆 Teahouse")
    product, _small = factory.product(shop, price_fen=1800, stock=5)
    large = m.Sku(
        product_id=product.id,
        shop_id=shop.id,
        code="large",
        options={"size": "large"},
        price_fen=2600,
        stock=5,
    )
    factory._save(large)
    headers = factory.headers(owner)
    for colour in ((200, 60, 40), (40, 120, 200)):
        uploaded = httpx.post(
            f"{live_server.url}/api/v1/shops/{shop.id}/products/{product.id}/images",
            content=_png(colour),
            headers={**headers, "content-type": "image/png"},
        )
        assert uploaded.status_code == 201, uploaded.text
    return shop, product, large, headers


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_a_buyer_browses_orders_pays_tracks_and_asks_for_a_refund(
    live_server: LiveServer, browser: Any, locale: str
) -> None:
    shop, product, large, merchant = _shop_with_pictures(live_server)
    tag = locale.split("-")[0]
    buyer = live_server.factory.account(email=f"buyer-{tag}@example.com")
    words = WORDS[locale]
    context = browser.new_context(viewport=PHONE, locale=locale)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        browser_sign_in(page, live_server.url, buyer.email, "secret-pass")
        page.goto(f"{live_server.url}/s/{shop.id}")
        card = page.locator(f".product-card a[href='/s/{shop.id}/p/{product.id}']")
        card.wait_for()
        page.wait_for_function(
            "() => { const i = document.querySelector('.product-card img');"
            " return i && i.complete && i.naturalWidth > 0; }"
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shot(page, f"storefront-{tag}-1-browse")
        assert_accessible(page)

        card.click()
        page.wait_for_load_state()
        assert page.locator(".gallery-thumbs button").count() == 2
        first_src = page.get_attribute("#gallery-main", "src")
        page.locator(".gallery-thumbs button").nth(1).click()
        assert page.get_attribute("#gallery-main", "src") != first_src
        page.check(f"input[name=sku_id][value='{large.id}']")
        assert page.inner_text("#chosen-price") == "¥26.00"
        page.fill("input[name=recipient_name]", "李买家")
        page.fill("input[name=recipient_phone]", "13800138000")
        page.select_option("select[name=province_code]", "33")
        page.fill("textarea[name=address]", "杭州市西湖区文三路 1 号")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shot(page, f"storefront-{tag}-2-product")
        assert_accessible(page)
        with page.expect_navigation():
            page.click("#place-order")
        assert "/orders/" in page.url
        order_id = int(page.url.rsplit("/", 1)[1])
        shot(page, f"storefront-{tag}-3-order-placed")
        assert_accessible(page)

        with page.expect_navigation():
            page.click("#pay")
        assert page.inner_text("#order-status").strip() == words["paid"]
        with Session(live_server.engine) as session:
            order = session.get(m.Order, order_id)
            assert order is not None and order.status == m.OrderStatus.paid
            assert order.buyer_id == buyer.id and order.total_fen == 2600
            lines = session.exec(select(m.OrderLine).where(m.OrderLine.order_id == order_id)).all()

        parcel = httpx.post(
            f"{live_server.url}/api/v1/shops/{shop.id}/orders/{order_id}/shipments",
            json={
                "carrier_code": "sf",
                "waybill_no": "SF123456789012",
                "line_ids": [line.id for line in lines],
            },
            headers=merchant,
        )
        assert parcel.status_code == 201, parcel.text
        scanned = httpx.post(
            f"{live_server.url}/api/v1/shops/{shop.id}/shipments/{parcel.json()['id']}/tracking",
            json={"status": "in_transit", "description": "Hangzhou sorting centre"},
            headers=merchant,
        )
        assert scanned.status_code == 201, scanned.text

        page.reload()
        assert "SF123456789012" in page.inner_text("#parcels")
        assert "Hangzhou sorting centre" in page.inner_text("#parcels")
        shot(page, f"storefront-{tag}-4-tracking")
        assert_accessible(page)

        page.check("#ask-refund input[value=refund_only]")
        page.fill("#ask-refund input[name=amount]", "26.00")
        page.fill("#ask-refund textarea[name=reason]", "不想要了 / changed my mind")
        with page.expect_navigation():
            page.click("#send-refund")
        assert words["asked"] in page.inner_text("#aftersales")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shot(page, f"storefront-{tag}-5-refund-asked")
        assert_accessible(page)
        with Session(live_server.engine) as session:
            request = session.exec(
                select(m.AfterSale).where(m.AfterSale.order_id == order_id)
            ).one()
            assert (request.amount_fen, request.status) == (2600, m.AfterSaleStatus.requested)
    finally:
        context.close()


def test_a_merchant_registers_an_origin_and_opens_the_buyer_page_on_a_phone(
    live_server: LiveServer, browser: Any
) -> None:
    owner = live_server.factory.account(email="owner@example.com")
    shop = live_server.factory.shop(owner, name="Tea corner")
    live_server.factory.product(shop)
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        browser_sign_in(page, live_server.url, "owner@example.com", "secret-pass")
        page.goto(f"{live_server.url}/console/shops/{shop.id}/storefront")
        page.fill("textarea[name=origins]", "https://*.example.com")
        page.click(".origins-form button[type=submit]")
        page.locator("#origins-error").wait_for(state="visible")
        shot(page, "storefront-console-zh-origin-refused")
        assert_accessible(page)
        page.fill("textarea[name=origins]", "https://Tea.Example.com\nhttp://localhost:5173")
        with page.expect_navigation():
            page.click(".origins-form button[type=submit]")
        assert "https://tea.example.com" in page.input_value("textarea[name=origins]")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shot(page, "storefront-console-zh-origins-saved")
        assert_accessible(page)
        with page.expect_navigation():
            page.click("#buyer-page-link")
        assert page.url.endswith(f"/s/{shop.id}")
        assert page.locator(".product-card").count() == 1
    finally:
        context.close()
