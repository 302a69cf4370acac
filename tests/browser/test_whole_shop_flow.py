"""Issue 12's whole flow in a real browser, in English on a desktop and in Chinese at 375 px:
a merchant opens a shop (type, details with the checklist), adds a product with three
images and a 2x3 SKU matrix, a second account orders it on the buyer page and pays in the
sandbox, the merchant ships it from the console (carrier and waybill) and adds a tracking
scan, the buyer sees the tracking and asks for a refund, the merchant misses the deadline
and the worker's periodic task (run with a moved clock, as tests/core/test_schedules.py
does) accepts it; buyer and merchant both see it accepted. Every step is a screenshot and
is checked with axe-core; people's steps go through the browser only."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlmodel import Session, select

import core.models as m
from core.jobs.queue import build_runtime, create_huey
from core.jobs.runtime import binding_of
from core.models.base import utcnow
from tests.browser.conftest import (
    LiveServer,
    assert_accessible,
    assert_fits_phone,
    browser_sign_in,
    shot,
)

USCC = "91310000MA1FL0000N"
CASES = {
    "en-desktop": {
        "locale": "en-US",
        "width": 1100,
        "options": ("Colour", "Size"),
        "paid": "Paid, awaiting shipment",
        "asked": "Waiting for the shop",
        "waiting": "Awaiting your decision",
        "refunded": "Refunded",
        "completed": "Completed",
    },
    "zh-CN-375px": {
        "locale": "zh-CN",
        "width": 375,
        "options": ("颜色", "尺码"),
        "paid": "已付款，等待发货",  # noqa: RUF001
        "asked": "等待店铺处理",
        "waiting": "待你处理",
        "refunded": "已退款",
        "completed": "已完成",
    },
}


class Step:
    """Screenshots numbered in the order they are taken, each page checked with axe-core
    (and, at phone width, for sideways scrolling)."""

    def __init__(self, case: str, width: int) -> None:
        self.case, self.width, self.n = case, width, 0

    def __call__(self, page: Any, name: str) -> None:
        self.n += 1
        shot(page, f"whole-flow-{self.case}-{self.n:02d}-{name}")
        assert_accessible(page)
        if self.width <= 400:
            assert_fits_phone(page)


def _photos(directory: Path) -> list[str]:
    paths = []
    for n, colour in enumerate(((200, 40, 40), (40, 160, 60), (40, 60, 200))):
        path = directory / f"shirt-{n + 1}.png"
        buffer = io.BytesIO()
        Image.new("RGB", (320, 240), colour).save(buffer, format="PNG")
        path.write_bytes(buffer.getvalue())
        paths.append(str(path))
    return paths


def _settle(page: Any) -> None:
    """Two animation frames: a full-page screenshot resizes the viewport, and the scroll it
    restores afterwards could otherwise move a button between press and release."""
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def _submit(page: Any, button: str) -> None:
    _settle(page)
    with page.expect_navigation():
        page.click(button)


@pytest.fixture
def people(browser: Any, request: pytest.FixtureRequest) -> Iterator[tuple[Any, Any, str]]:
    """The merchant's and the buyer's browsers (separate cookies), in the case's language
    and width."""
    case = request.param
    setup = CASES[case]
    viewport = {"width": setup["width"], "height": 900}
    pages = []
    contexts = []
    for _ in range(2):
        context = browser.new_context(viewport=viewport, locale=setup["locale"])
        page = context.new_page()
        page.set_default_timeout(15_000)
        contexts.append(context)
        pages.append(page)
    yield pages[0], pages[1], case
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        shot(pages[0], f"FAILED-{request.node.name}-merchant")
        shot(pages[1], f"FAILED-{request.node.name}-buyer")
    for context in contexts:
        context.close()


@pytest.mark.parametrize("people", list(CASES), indirect=True)
def test_a_shop_opened_in_the_browser_sells_ships_and_a_missed_refund_is_accepted(
    live_server: LiveServer, people: tuple[Any, Any, str], tmp_path: Path
) -> None:
    merchant, buyer, case = people
    words = CASES[case]
    step = Step(case, int(words["width"]))  # type: ignore[call-overload]
    base = live_server.url
    factory = live_server.factory
    factory.account(email="owner@example.com", password="secret-pass")
    factory.account(email="buyer@example.com", password="secret-pass")
    category = factory.category(name="服饰鞋包 Clothing")  # the platform's catalogue

    # -- 1. the merchant opens a shop: type, details, the checklist, open -------------------
    browser_sign_in(merchant, base, "owner@example.com", "secret-pass")
    merchant.goto(f"{base}/console")
    merchant.check(".new-shop input[name=type][value=enterprise]")
    checklist = merchant.locator(".opening-checklist ul[data-for=enterprise]")
    checklist.wait_for(state="visible")
    assert checklist.locator("li.todo").count() == 4
    step(merchant, "merchant-new-shop-checklist")
    merchant.fill(".new-shop input[name=name]", f"Linen corner {case}")
    merchant.fill(".new-shop input[name=licence_number]", USCC)
    merchant.fill(".new-shop input[name=operator_name]", "Wang Fang")
    merchant.fill(".new-shop input[name=settlement_account]", "6222 0000 0000 0000")
    merchant.fill(".new-shop input[name=settlement_bank]", "ICBC")
    merchant.wait_for_selector(
        ".opening-checklist ul[data-for=enterprise] li.done[data-field=licence_number]"
    )
    assert checklist.locator("li.todo").count() == 0
    step(merchant, "merchant-checklist-done")
    _submit(merchant, ".new-shop button[type=submit]")
    shop_id = int(merchant.url.rstrip("/").rsplit("/", 1)[1])
    with Session(live_server.engine) as session:
        shop = session.get(m.Shop, shop_id)
        assert shop is not None and shop.status == m.ShopStatus.open
    step(merchant, "merchant-shop-opened")

    # -- 2. a product with a 2x3 SKU matrix and three images, listed ------------------------
    products = f"{base}/console/shops/{shop_id}/products"
    merchant.click(f".shop-nav a[href='/console/shops/{shop_id}/products']")
    merchant.wait_for_load_state()
    merchant.click(f"a[href='/console/shops/{shop_id}/products/new']")
    merchant.wait_for_load_state()
    merchant.fill("input[name=title]", "Linen shirt")
    merchant.fill("textarea[name=description]", "Soft, cool linen.")
    merchant.select_option("select[name=category_id]", str(category.id))
    merchant.fill("input[name=weight_g]", "250")
    colour, size = words["options"]
    merchant.locator(".opt-name").nth(0).fill(colour)
    merchant.locator(".opt-values").nth(0).fill("Red, Blue")
    merchant.locator(".opt-name").nth(1).fill(size)
    merchant.locator(".opt-values").nth(1).fill("S, M, L")
    rows = merchant.locator("#sku-matrix tbody tr")
    assert rows.count() == 6
    for i in range(6):
        rows.nth(i).locator("input[name=row_price]").fill(f"{59 + i}.00")
        rows.nth(i).locator("input[name=row_stock]").fill("5")
    step(merchant, "merchant-product-form")
    _submit(merchant, "button[name=op][value=save]")
    assert merchant.locator(".flash.success").count() == 1
    product_id = int(merchant.url.rstrip("/").split("/products/")[1].split("/")[0])
    merchant.click("#images a[href$='/images']")
    merchant.wait_for_load_state()
    merchant.set_input_files("#image-upload input[type=file]", _photos(tmp_path))
    _submit(merchant, "#image-upload button[type=submit]")
    assert merchant.locator(".image-grid img").count() == 3
    step(merchant, "merchant-product-images")
    merchant.goto(f"{products}/{product_id}")
    _submit(merchant, "form[action$='/list'] button")
    step(merchant, "merchant-product-listed")
    with Session(live_server.engine) as session:
        skus = session.exec(select(m.Sku).where(m.Sku.product_id == product_id)).all()
        assert len(skus) == 6
        blue_m = next(s for s in skus if s.code == "Blue-M")

    # -- 3. a buyer orders it on the buyer page and pays in the sandbox ---------------------
    browser_sign_in(buyer, base, "buyer@example.com", "secret-pass")
    buyer.goto(f"{base}/s/{shop_id}")
    card = buyer.locator(f".product-card a[href='/s/{shop_id}/p/{product_id}']")
    card.wait_for()
    buyer.wait_for_function(
        "() => { const i = document.querySelector('.product-card img');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    step(buyer, "buyer-shop")
    card.click()
    buyer.wait_for_load_state()
    assert buyer.locator(".gallery-thumbs button").count() == 3
    buyer.check(f"input[name=sku_id][value='{blue_m.id}']")
    assert buyer.inner_text("#chosen-price") == "¥63.00"
    buyer.fill("input[name=recipient_name]", "李买家")
    buyer.fill("input[name=recipient_phone]", "13800138000")
    buyer.select_option("select[name=province_code]", "33")
    buyer.fill("textarea[name=address]", "杭州市西湖区文三路 1 号")
    step(buyer, "buyer-product")
    _submit(buyer, "#place-order")
    order_id = int(buyer.url.rsplit("/", 1)[1])
    step(buyer, "buyer-order-placed")
    _submit(buyer, "#pay")
    assert buyer.inner_text("#order-status").strip() == words["paid"]
    step(buyer, "buyer-paid")

    # -- 4. the merchant ships it from the console and adds a tracking scan -----------------
    merchant.click(f".shop-nav a[href='/console/shops/{shop_id}/orders']")
    merchant.wait_for_load_state()
    assert merchant.locator(f"#order-{order_id}").count() == 1
    step(merchant, "merchant-orders")
    merchant.goto(f"{base}/console/shops/{shop_id}/orders/{order_id}")
    merchant.select_option("select[name=carrier_code]", "SF")
    merchant.fill("input[name=waybill_no]", "SF123456789012")
    step(merchant, "merchant-ship-form")
    _submit(merchant, "#ship button[type=submit]")
    assert merchant.locator("#parcels .parcel").count() == 1
    assert merchant.locator("#ship").count() == 0  # everything is sent
    step(merchant, "merchant-shipped")
    merchant.click(f".shop-nav a[href='/console/shops/{shop_id}/shipments']")
    merchant.wait_for_load_state()
    merchant.locator("details summary").first.click()
    merchant.select_option("details select[name=status]", "in_transit")
    merchant.fill("details input[name=location]", "Hangzhou")
    merchant.fill("details input[name=description]", "Sorting centre")
    _submit(merchant, "details form button")
    assert "Sorting centre" in merchant.inner_text("ol.tracking")
    step(merchant, "merchant-tracking-added")

    # -- 5. the buyer sees the tracking and asks for a refund -------------------------------
    buyer.reload()
    parcels = buyer.inner_text("#parcels")
    assert "SF123456789012" in parcels and "Sorting centre" in parcels
    step(buyer, "buyer-tracking")
    buyer.check("#ask-refund input[value=refund_only]")
    buyer.fill("#ask-refund input[name=amount]", "63.00")
    buyer.fill("#ask-refund textarea[name=reason]", "不想要了 / changed my mind")
    _submit(buyer, "#send-refund")
    assert words["asked"] in buyer.inner_text("#aftersales")
    step(buyer, "buyer-refund-asked")
    with Session(live_server.engine) as session:
        request = session.exec(select(m.AfterSale).where(m.AfterSale.order_id == order_id)).one()
        assert request.status == m.AfterSaleStatus.requested and request.respond_by is not None
        aftersale_id, respond_by = request.id, request.respond_by
    merchant.click(f".shop-nav a[href='/console/shops/{shop_id}/aftersales']")
    merchant.wait_for_load_state()
    waiting = merchant.locator(f"#aftersale-{aftersale_id}")
    assert words["waiting"] in waiting.inner_text()
    assert waiting.locator("form[action$='/accept']").count() == 1
    step(merchant, "merchant-refund-waiting")

    # -- 6. the deadline passes: the worker's periodic task accepts it ----------------------
    huey = create_huey(live_server.settings)
    build_runtime(live_server.settings, engine=live_server.engine, huey=huey)
    accept = binding_of(huey).tasks["auto_accept_aftersales"]
    deadline = respond_by if respond_by.tzinfo else respond_by.replace(tzinfo=UTC)
    assert deadline > utcnow() + timedelta(hours=1)  # the shop has time to answer
    assert accept.call_local(deadline - timedelta(minutes=1)) == 0  # not yet
    later = deadline + timedelta(minutes=1)
    assert accept.call_local(later) == 1
    assert accept.call_local(later) == 0  # a second run changes nothing
    with Session(live_server.engine) as session:
        request = session.get(m.AfterSale, aftersale_id)
        assert request is not None and request.auto_accepted is True
        assert request.status == m.AfterSaleStatus.completed
        order = session.get(m.Order, order_id)
        assert order is not None and order.refunded_fen == 6300

    # -- 7. both see it accepted ------------------------------------------------------------
    buyer.reload()
    answered = buyer.locator("#aftersales")
    assert answered.locator(".badge.completed").count() == 1
    assert words["refunded"] in answered.inner_text()
    assert "¥63.00" in buyer.inner_text("#order-refunded")
    step(buyer, "buyer-refund-accepted")
    merchant.reload()
    done = merchant.locator(f"#aftersale-{aftersale_id}")
    assert done.locator(".badge.completed").count() == 1
    assert words["completed"] in done.inner_text()
    assert done.locator("form[action$='/accept']").count() == 0  # nothing left to decide
    step(merchant, "merchant-refund-accepted")
