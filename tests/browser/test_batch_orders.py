"""Batch orders (订单批量处理) in a real browser: the merchant uploads a ship sheet with a
bad row, follows the job's bar, downloads the report of the refused row, and sees the good
orders shipped; cancels unpaid orders from the orders list with a reason; exports the
orders to XLSX. Then the service's pages at phone width, in Chinese."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlmodel import Session

import core.models as m
from core.plugins.installations import enable_plugin
from core.settings import Settings
from plugins.batch_orders import manifest
from tests.browser.conftest import (
    LiveServer,
    assert_accessible,
    assert_fits_phone,
    browser_sign_in,
    shot,
)

PLUGIN = "batch_orders"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The host's own plugins.toml (it loads batch_orders)."""
    return settings.model_copy(update={"plugins_file": ROOT / "plugins.toml"})


def _enable(live_server: LiveServer, shop: m.Shop) -> None:
    with Session(live_server.engine) as session:
        enable_plugin(
            session,
            host=live_server.app.state.plugins,
            shop_id=shop.id,
            plugin_id=PLUGIN,
            granted_scopes=manifest.scope_values,
        )
        session.commit()


def _status(live_server: LiveServer, order_id: int | None) -> str:
    with Session(live_server.engine) as session:
        return session.get(m.Order, order_id).status.value  # type: ignore[union-attr]


def _follow_job(page: Any, timeout_s: float = 30) -> str:
    """Reload the job's page until its state is final; the last state's text."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state = page.locator(".plugin-page h2 + p").inner_text()
        if state in ("Done", "Failed", "已完成", "失败"):
            return state
        time.sleep(0.3)
        page.reload()
    raise AssertionError("the job did not finish")


def test_ship_from_a_sheet_cancel_and_export(live_server: LiveServer, page: Any) -> None:
    factory = live_server.factory
    owner = factory.account(email="owner@example.com", password="secret-pass")
    shop = factory.shop(owner, name="Tea corner")
    paid = [factory.order(shop)[0] for _ in range(2)]
    unpaid = [factory.order(shop, status=m.OrderStatus.pending_payment)[0] for _ in range(2)]
    _enable(live_server, shop)
    sheet = (
        "订单号,快递公司,运单号\n"
        f"{paid[0].id},顺丰速运,SF100000000001\n"
        f"{unpaid[0].id},SF,SF100000000002\n"
        f"{paid[1].id},ZTO,773000000003\n"
    ).encode()
    browser_sign_in(page, live_server.url, "owner@example.com", "secret-pass")
    base = f"{live_server.url}/apps/{PLUGIN}/shops/{shop.id}"
    page.goto(base)
    shot(page, "batch-orders-home")
    assert_accessible(page)
    page.set_input_files(
        "form[action$='/ship'] input[type=file]",
        files=[{"name": "ship.csv", "mimeType": "text/csv", "buffer": sheet}],
    )
    page.click("form[action$='/ship'] button[type=submit]")
    page.wait_for_load_state()
    page.click(".plugin-page a:has-text('Follow it')")
    page.wait_for_load_state()
    assert page.locator(".plugin-page p:has(code)").count() == 1
    assert _follow_job(page) == "Done"
    bar = page.locator(".plugin-page p:has(code)").inner_text()
    assert "100% (3 / 3)" in bar
    counts = page.locator(".plugin-page ul").inner_text()
    assert "Shipped: 2" in counts and "Refused: 1" in counts
    shot(page, "batch-orders-ship-done")
    assert_accessible(page)
    with page.expect_download() as info:
        page.click(".plugin-page a:has-text('report')")
    report = Path(info.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert report[0] == "Row,Column,Value,Reason"
    assert report[1].startswith(f"2,Order number,{unpaid[0].id},")
    assert "not paid" in report[1]
    assert [_status(live_server, o.id) for o in paid] == ["shipped", "shipped"]
    assert _status(live_server, unpaid[0].id) == "pending_payment"

    page.goto(f"{live_server.url}/console/shops/{shop.id}/orders")
    assert page.locator("table").inner_text().count("Shipped") == 2
    for order in unpaid:
        page.check(f"input[name=ids][value='{order.id}']")
    page.check(f"input[name=ids][value='{paid[0].id}']")  # shipped: left alone, says why
    key = f"{PLUGIN}:cancel"
    page.click("details.action-fields summary:has-text('Cancel unpaid orders')")
    page.fill(f"input[name='p.{key}.reason']", "Out of stock, sorry")
    shot(page, "batch-orders-cancel-panel")
    page.click(f"button[name=action][value='{key}']")
    page.locator(".job-progress[data-status=succeeded]").wait_for(timeout=30_000)
    assert page.locator(".job-rows li.pass").count() == 2
    assert page.locator(".job-rows li.fail").count() == 1
    failed = page.locator(".job-rows li.fail").inner_text()
    assert "Only unpaid orders are cancelled here; this one is shipped." in failed
    assert "RowRefused" not in failed
    shot(page, "batch-orders-cancel-done")
    assert [_status(live_server, o.id) for o in unpaid] == ["cancelled", "cancelled"]
    assert _status(live_server, paid[0].id) == "shipped"

    page.reload()
    page.check(f"input[name=ids][value='{paid[1].id}']")
    note = f"{PLUGIN}:note"
    page.click("details.action-fields summary:has-text('Note and flag')")
    page.fill(f"input[name='p.{note}.note']", "Call before delivery")
    page.select_option(f"select[name='p.{note}.flag']", "red")
    page.click(f"button[name=action][value='{note}']")
    page.locator(".job-progress[data-status=succeeded]").wait_for(timeout=30_000)
    page.reload()
    row = page.locator(f"#order-{paid[1].id}")
    assert row.locator(".order-flag.flag-red").get_attribute("aria-label") == "Red flag"
    assert "Call before delivery" in row.inner_text()
    assert page.locator(f"#order-{paid[0].id} .order-flag").count() == 0
    shot(page, "batch-orders-flagged")
    assert_accessible(page)

    late = factory.order(shop, status=m.OrderStatus.pending_payment)[0]
    today = late.created_at.date().isoformat()
    page.goto(base)
    page.fill("form[action$='/cancel'] input[name=placed_from]", today)
    page.fill("form[action$='/cancel'] input[name=placed_to]", today)
    page.fill("form[action$='/cancel'] input[name=reason]", "Unpaid for too long")
    page.click("form[action$='/cancel'] button[type=submit]")
    page.wait_for_load_state()
    page.click(".plugin-page a:has-text('Follow it')")
    page.wait_for_load_state()
    assert _follow_job(page) == "Done"
    assert "Cancelled: 1" in page.locator(".plugin-page ul").inner_text()
    shot(page, "batch-orders-cancel-by-days")
    assert _status(live_server, late.id) == "cancelled"
    assert [_status(live_server, o.id) for o in paid] == ["shipped", "shipped"]

    page.goto(base)
    page.select_option("form[action$='/export'] select[name=format]", "xlsx")
    with page.expect_download() as info:
        page.click("form[action$='/export'] button[type=submit]")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "Order" and "Recipient" not in rows[0]
    by_id = {r[0]: r[1] for r in rows[1:]}
    assert rows[[r[0] for r in rows].index(paid[1].id)][7:9] == ("Call before delivery", "red")
    assert by_id == {
        paid[0].id: "shipped",
        paid[1].id: "shipped",
        unpaid[0].id: "cancelled",
        unpaid[1].id: "cancelled",
        late.id: "cancelled",
    }


def test_the_service_pages_fit_a_phone_in_chinese(live_server: LiveServer, browser: Any) -> None:
    factory = live_server.factory
    owner = factory.account(email="phone@example.com", password="secret-pass")
    shop = factory.shop(owner, name="茶铺")
    order = factory.order(shop)[0]
    _enable(live_server, shop)
    context = browser.new_context(viewport={"width": 375, "height": 800}, locale="zh-CN")
    phone = context.new_page()
    try:
        browser_sign_in(phone, live_server.url, "phone@example.com", "secret-pass")
        phone.goto(f"{live_server.url}/apps/{PLUGIN}/shops/{shop.id}")
        assert phone.locator("form[action$='/ship'] button:has-text('上传并发货')").is_visible()
        assert_fits_phone(phone)
        shot(phone, "batch-orders-phone-home")
        sheet = f"订单号,快递公司,运单号\n{order.id},顺丰,\n".encode()
        phone.set_input_files(
            "form[action$='/ship'] input[type=file]",
            files=[{"name": "发货.csv", "mimeType": "text/csv", "buffer": sheet}],
        )
        phone.click("form[action$='/ship'] button[type=submit]")
        phone.wait_for_load_state()
        phone.click(".plugin-page a:has-text('查看进度')")
        phone.wait_for_load_state()
        assert _follow_job(phone) == "已完成"
        assert "被拒绝: 1" in phone.locator(".plugin-page ul").inner_text()
        assert_fits_phone(phone)
        assert_accessible(phone)
        shot(phone, "batch-orders-phone-job")
        phone.goto(f"{live_server.url}/console/shops/{shop.id}/orders")
        phone.click("details.action-fields summary:has-text('批量取消未付款订单')")
        assert_fits_phone(phone)
        shot(phone, "batch-orders-phone-cancel-panel")
    finally:
        context.close()
