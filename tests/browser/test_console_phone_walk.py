"""Every shop console page at 375 px in Simplified Chinese, each with rows to show: no
sideways scroll, no serious or critical axe-core violation, and a screenshot
(``console-walk-zh-<page>.png``) to look over for overlaps and untranslated words. Every
page, the Services page included, shows the same shop tabs."""

from __future__ import annotations

from typing import Any

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

#: The console pages under /console/shops/{id}, by screenshot name; {pid} and {oid} are
#: filled in with a product and an order.
PAGES = {
    "overview": "",
    "products": "/products",
    "product-new": "/products/new",
    "product-edit": "/products/{pid}",
    "product-images": "/products/{pid}/images",
    "orders": "/orders",
    "order": "/orders/{oid}",
    "aftersales": "/aftersales",
    "shipments": "/shipments",
    "pickup-stores": "/pickup-stores",
    "settings": "/settings",
    "members": "/members",
    "qualifications": "/qualifications",
    "services": "/apps",
    "storefront": "/storefront",
    "support": "/support",
    "support-new": "/support/new?from=/console/shops/1/orders",
    "growth": "/growth",
    "guide": "/growth/list-your-first-product",
}


def test_every_console_page_fits_a_phone_in_chinese(live_server: LiveServer, browser: Any) -> None:
    factory = live_server.factory
    owner = factory.account(email="owner@example.com", password="secret-pass")
    shop = factory.shop(owner, name="王芳的茶叶和面馆 Wang's tea and noodle house")
    product, _ = factory.product(shop, stock=2)
    order, _lines = factory.order(shop)
    with Session(live_server.engine) as session:
        seed_guides(session)
        session.add(
            m.PickupStore(
                shop_id=shop.id,
                name="淮海路前台 Huaihai Road front desk",
                province_code="31",
                address="上海市黄浦区淮海中路 8 号 2 楼",
                hours="9:00-21:00",
            )
        )
        session.commit()
    context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": 812}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        browser_sign_in(page, live_server.url, "owner@example.com", "secret-pass")
        page.goto(f"{live_server.url}/console")
        shot(page, "console-walk-zh-my-shops")
        assert_fits_phone(page)
        assert_accessible(page)
        tabs: list[str] = []
        for name, path in PAGES.items():
            url = f"{live_server.url}/console/shops/{shop.id}" + path.format(
                pid=product.id, oid=order.id
            )
            response = page.goto(url)
            assert response is not None and response.status == 200, url
            shot(page, f"console-walk-zh-{name}")
            assert_fits_phone(page)
            assert_accessible(page)
            assert page.get_attribute("html", "lang") == "zh-CN", url
            shown = page.eval_on_selector_all(
                ".shop-nav a", "links => links.map(a => a.getAttribute('href'))"
            )
            tabs = tabs or shown
            assert shown == tabs, f"{url}: the shop's tabs differ from the other pages'"
    finally:
        context.close()
