"""The orders desk in a real browser, in English on a desktop and in Chinese at 375 px:
filter the orders, ship an order in two parcels, cancel another with a reason, and
complete a self-pickup order with the buyer's code. Screenshots of each page are kept."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session

import core.models as m
from core.models.base import utcnow
from tests.browser.conftest import LiveServer, browser_sign_in, shot
from tests.marketplace.console_helpers import settings  # noqa: F401

WORDS = {
    "en": {"sent": "Parcel SF123456789012 sent.", "cancelled": "cancelled.", "picked": "picked up"},
    "zh-CN": {"sent": "包裹 SF123456789012 已发出。", "cancelled": "已取消", "picked": "已提货"},
}


@pytest.fixture(params=[("en", 1100), ("zh-CN", 375)], ids=["en-desktop", "zh-CN-375px"])
def desk(browser: Any, request: pytest.FixtureRequest) -> Iterator[tuple[Any, str, int]]:
    locale, width = request.param
    context = browser.new_context(viewport={"width": width, "height": 900}, locale=locale)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page, locale, width
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        shot(page, f"FAILED-{request.node.name}")
    context.close()


def _world(live: LiveServer) -> dict[str, Any]:
    f = live.factory
    owner = f.account(email="desk@example.com", password="secret-pass")
    shop = f.shop(owner, name="Tea corner")
    to_ship, lines = f.order(shop, lines=((3, 1200), (1, 800)))
    to_cancel, _ = f.order(shop)
    old, _ = f.order(shop, status=m.OrderStatus.completed)
    pickup, _ = f.order(shop, self_pickup=True)
    with Session(live.engine) as session:
        row = session.get(m.Order, old.id)
        assert row is not None
        row.created_at = utcnow() - timedelta(days=30)
        session.add(row)
        store = m.PickupStore(
            shop_id=shop.id,
            name="Front desk",
            province_code="31",
            address="8 Huaihai Road",
            hours="9:00-21:00",
        )
        session.add(store)
        session.flush()
        session.add(
            m.OrderPickup(order_id=pickup.id, shop_id=shop.id, store_id=store.id, code="24681357")
        )
        session.commit()
    return {
        "shop": shop,
        "ship": to_ship,
        "lines": lines,
        "cancel": to_cancel,
        "old": old,
        "pickup": pickup,
    }


def _submit(page: Any, button: str) -> None:
    """Press a form's button and wait for the page the server answers with.

    Two animation frames first: a full-page screenshot resizes the viewport, and the scroll
    it restores afterwards would otherwise move the button between press and release.
    """
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    with page.expect_navigation():
        page.click(button)


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_orders_desk_filter_ship_cancel_and_pickup(
    live_server: LiveServer, desk: tuple[Any, str, int]
) -> None:
    page, locale, width = desk
    w = _world(live_server)
    base = f"{live_server.url}/console/shops/{w['shop'].id}"
    tag = f"{locale}-{width}"
    browser_sign_in(page, live_server.url, "desk@example.com", "secret-pass")

    # filter: placed today, and only paid ones
    page.goto(f"{base}/orders")
    assert page.locator("tr[id^=order-]").count() == 4
    today = utcnow().date().isoformat()
    page.fill("input[name=from]", today)
    page.select_option("select[name=status]", "paid")
    _submit(page, ".order-filters button[type=submit]")
    shown = {
        page.locator("tr[id^=order-]").nth(i).get_attribute("id")
        for i in range(page.locator("tr[id^=order-]").count())
    }
    assert f"order-{w['old'].id}" not in shown and f"order-{w['ship'].id}" in shown
    assert _fits(page)
    shot(page, f"console-orders-filtered-{tag}")

    # ship in two parcels: two of the first line, then the rest
    page.goto(f"{base}/orders/{w['ship'].id}")
    shot(page, f"console-order-ship-form-{tag}")
    first, second = w["lines"]
    page.select_option("select[name=carrier_code]", "SF")
    page.fill("input[name=waybill_no]", "SF123456789012")
    page.fill(f"input[name=qty_{first.id}]", "2")
    page.fill(f"input[name=qty_{second.id}]", "0")
    _submit(page, "#ship button[type=submit]")
    assert WORDS[locale]["sent"] in page.content()
    assert page.locator("#ship").count() == 1  # more is left to send
    page.select_option("select[name=carrier_code]", "ZTO")
    page.fill("input[name=waybill_no]", "773012345678")
    _submit(page, "#ship button[type=submit]")
    assert page.locator("#parcels .parcel").count() == 2
    assert page.locator("#ship").count() == 0
    assert _fits(page)
    shot(page, f"console-order-two-parcels-{tag}")
    assert live_server.factory.fetch(m.Order, w["ship"].id).status == m.OrderStatus.shipped

    # cancel with a reason: first without one, the page says why
    page.goto(f"{base}/orders/{w['cancel'].id}")
    _submit(page, "#cancel button[type=submit]")
    assert page.locator("#cancel .field-error").is_visible()
    page.fill("textarea[name=reason]", "缺货" if locale == "zh-CN" else "Out of stock")
    _submit(page, "#cancel button[type=submit]")
    assert WORDS[locale]["cancelled"] in page.content()
    assert page.locator(".cancel-reason").is_visible()
    shot(page, f"console-order-cancelled-{tag}")
    assert live_server.factory.fetch(m.Order, w["cancel"].id).status == m.OrderStatus.cancelled

    # self pickup: a wrong code is refused with a message, the right one completes it
    page.goto(f"{base}/orders/{w['pickup'].id}")
    assert "Front desk" in page.content()
    page.fill("input[name=code]", "11112222")
    _submit(page, "#pickup button[type=submit]")
    assert page.locator("#pickup .field-error").is_visible()
    shot(page, f"console-order-pickup-wrong-code-{tag}")
    page.fill("input[name=code]", "24681357")
    _submit(page, "#pickup button[type=submit]")
    assert WORDS[locale]["picked"] in page.content()
    assert live_server.factory.fetch(m.Order, w["pickup"].id).status == m.OrderStatus.completed
    shot(page, f"console-order-picked-up-{tag}")

    page.goto(f"{base}/pickup-stores")
    assert page.locator("tr#store-1, tr[id^=store-]").count() == 1
    assert _fits(page)
    shot(page, f"console-pickup-stores-{tag}")
