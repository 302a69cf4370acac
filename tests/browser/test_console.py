"""The merchant console in a real browser: a plugin's action on selected orders, run as a
job by the in-process worker, with the progress bar moving live to 100%."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import Session

import core.models as m
from core.plugins.installations import enable_plugin
from tests.browser.conftest import LiveServer, assert_accessible, browser_sign_in, shot
from tests.marketplace.console_helpers import ALL_SCOPES, PLUGIN, settings  # noqa: F401
from tests.marketplace.sample_plugins import label_printer

ROW_DELAY_S = 0.7


@pytest.fixture
def slow_rows() -> Iterator[None]:
    """Each row of the sample action takes a moment, so the bar is seen moving."""
    label_printer.DELAY_S = ROW_DELAY_S
    yield
    label_printer.DELAY_S = 0.0


def _shop_with_orders(live_server: LiveServer, count: int) -> tuple[m.Shop, list[m.Order]]:
    owner = live_server.factory.account(email="owner@example.com", password="secret-pass")
    shop = live_server.factory.shop(owner, name="Tea corner")
    orders = [live_server.factory.order(shop)[0] for _ in range(count)]
    cancelled, _ = live_server.factory.order(shop, status=m.OrderStatus.cancelled)
    with Session(live_server.engine) as session:
        enable_plugin(
            session,
            host=live_server.app.state.plugins,
            shop_id=shop.id,
            plugin_id=PLUGIN,
            granted_scopes=ALL_SCOPES,
        )
        session.commit()
    return shop, [*orders, cancelled]


def test_an_orders_action_runs_to_100_percent_live(
    live_server: LiveServer, page: Any, slow_rows: None
) -> None:
    shop, orders = _shop_with_orders(live_server, 4)
    browser_sign_in(page, live_server.url, "owner@example.com", "secret-pass")
    page.goto(f"{live_server.url}/console/shops/{shop.id}/orders")
    assert page.locator("#rows-form tbody tr").count() == len(orders)
    assert page.locator(".job-progress").is_hidden()
    page.check("input.select-all")
    assert page.locator("input[name=ids]:checked").count() == len(orders)
    shot(page, "console-orders-selected")
    assert_accessible(page)

    page.click("button[name=action][value='label_printer:print_labels']")
    bar = page.locator(".job-progress .job-bar")
    bar.wait_for(state="visible")
    seen: list[int] = []
    deadline = time.monotonic() + 30
    done = False
    while time.monotonic() < deadline:
        # the status is read before the bar: once it says succeeded, this value is the last
        done = page.locator(".job-progress[data-status=succeeded]").count() > 0
        value = int(float(bar.get_attribute("value") or 0))
        if not seen or seen[-1] != value:
            seen.append(value)
            if 0 < value < 100 and len(seen) == 2:
                shot(page, "console-action-running")
        if done:
            break
        time.sleep(0.1)
    assert done, f"the job did not finish in time: {seen}"
    assert seen[-1] == 100, seen
    assert any(0 < v < 100 for v in seen), f"the bar never showed progress in between: {seen}"
    assert seen == sorted(seen)  # it only ever moves forward
    assert page.locator(".job-percent").inner_text() == "100%"
    assert page.locator(".job-rows li.pass").count() == len(orders) - 1
    failed = page.locator(".job-rows li.fail")
    assert failed.count() == 1 and "is cancelled" in failed.inner_text()
    assert page.url.endswith(f"/console/shops/{shop.id}/orders")  # followed on the same page
    shot(page, "console-action-done")
    assert_accessible(page)

    page.click(".job-link a")
    page.wait_for_load_state()
    assert page.locator(".job-progress .job-bar").get_attribute("value") == "100"
    assert "Finished" in page.locator(".job-status").inner_text()


def test_the_console_fits_a_phone(live_server: LiveServer, browser: Any) -> None:
    shop, _orders = _shop_with_orders(live_server, 2)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    try:
        browser_sign_in(page, live_server.url, "owner@example.com", "secret-pass")
        for path in ("", "/orders"):
            page.goto(f"{live_server.url}/console/shops/{shop.id}{path}")
            assert page.evaluate("document.body.scrollWidth") <= 390
        assert "为选中的订单" not in page.content()  # the plugin's own label is not ours
        assert page.locator("nav.shop-nav a[aria-current=page]").inner_text() == "订单"
        shot(page, "console-orders-phone-zh")
        assert_accessible(page)
    finally:
        context.close()
