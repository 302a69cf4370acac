"""Batch label printing, done when: in a real browser a merchant binds the Sandbox Express
account (verified with the simulator, its own process), prints labels for 50 paid orders
(live bar), downloads the PDF, and the orders show as shipped with their waybills. The
first label is rendered to PNG (pdftoppm) and kept with the screenshots; the pages are
walked again at phone width."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pypdf import PdfReader
from sqlmodel import Session, select

import core.models as m
from core.plugins.installations import enable_plugin
from core.settings import Settings
from tests.browser.conftest import (
    ARTIFACTS,
    LiveServer,
    assert_accessible,
    assert_fits_phone,
    browser_sign_in,
    shot,
)
from tests.carriers.orders import paid_orders
from tests.plugins.test_sandbox_express import ACCOUNT, SECRET, start_simulator

ROOT = Path(__file__).resolve().parents[2]
ORDERS = 50


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The host's own plugins.toml: Sandbox Express and label printing are loaded."""
    return settings.model_copy(update={"plugins_file": ROOT / "plugins.toml"})


@pytest.fixture
def simulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    proc, url = start_simulator("--balance", "1000")
    monkeypatch.setenv("SANDBOX_EXPRESS_URL", url)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def _shop_with_services(live_server: LiveServer) -> tuple[m.Shop, list[int]]:
    owner = live_server.factory.account(email="owner@example.com", password="secret-pass")
    shop = live_server.factory.shop(owner, name="摊子好物")
    with Session(live_server.engine) as session:
        for plugin_id in ("sandbox_express", "label_printing"):
            enable_plugin(
                session, host=live_server.app.state.plugins, shop_id=shop.id, plugin_id=plugin_id
            )
        session.commit()
    product, sku = live_server.factory.product(shop, price_fen=1500)
    ids = paid_orders(
        live_server.engine,
        shop_id=shop.id or 0,
        buyer_id=live_server.factory.account().id or 0,
        product_id=product.id or 0,
        sku_id=sku.id or 0,
        n=ORDERS,
    )
    return shop, ids


def _bind(page: Any, base: str) -> None:
    page.goto(f"{base}/carriers")
    page.select_option("select[name=carrier_code]", "SANDBOX")
    page.fill("input[name=account_no]", ACCOUNT)
    page.fill("input[name=secret]", SECRET)
    page.fill("input[name=sender_name]", "摊子好物发货组")
    page.fill("input[name=sender_phone]", "0571-88886666")
    page.fill("input[name=sender_address]", "浙江省杭州市余杭区文一西路 969 号")
    page.click("text=验证并绑定")
    page.wait_for_load_state()
    assert "****1415" in page.locator("article.carrier-account").first.inner_text()


def _label_png(pdf: bytes) -> Path:
    """The first label rendered to PNG, kept with the screenshots."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    source = ARTIFACTS / "label-printing-labels.pdf"
    source.write_bytes(pdf)
    stem = ARTIFACTS / "label-printing-first-label"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile", source, stem],
        check=True,
    )
    return stem.with_suffix(".png")


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) missing")
def test_bind_print_50_labels_download_and_see_them_shipped(
    live_server: LiveServer, browser: Any, simulator: str
) -> None:
    shop, ids = _shop_with_services(live_server)
    base = f"{live_server.url}/console/shops/{shop.id}"
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        browser_sign_in(page, live_server.url, "owner@example.com", "secret-pass")
        _bind(page, base)
        assert SECRET not in page.content()
        shot(page, "label-printing-1-bound-desktop")

        page.goto(f"{base}/orders?status=paid")
        page.check("input.select-all")
        panel = page.locator("details.action-fields", has_text="批量打单")
        panel.locator("summary").click()
        account = panel.locator("select[name$='.account_id']")
        assert re.fullmatch(r"SANDBOX \*+1415", account.inner_text().strip())
        panel.locator("select[name$='.format']").select_option("pdf")
        panel.get_by_label("打单后标记为已发货").check()
        panel.get_by_label("打印所有待发货订单 (不限于所选)").check()
        shot(page, "label-printing-2-choices-desktop")
        assert_accessible(page)
        panel.locator("button[name=action]").click()

        bar = page.locator(".job-progress .job-bar")
        bar.wait_for(state="visible")
        seen = [int(bar.get_attribute("value") or 0)]
        result = page.locator(".job-progress .job-result")
        while not result.is_visible():
            seen.append(int(bar.get_attribute("value") or 0))
            page.wait_for_timeout(100)
        assert min(seen) < 100  # the bar was drawn while the job ran
        assert page.locator(".job-progress[data-status=succeeded]").count() == 1
        assert page.locator(".job-percent").inner_text() == "100%"
        assert page.locator(".job-progress .job-label").inner_text() == "批量打单"
        assert "50 张面单，0 单未打印" in page.locator(".job-message").inner_text()  # noqa: RUF001
        shot(page, "label-printing-3-done-desktop")
        assert_accessible(page)
        with page.expect_download() as info:
            result.locator("a").click()
        pdf = Path(info.value.path()).read_bytes()

        document = PdfReader(io.BytesIO(pdf))
        assert len(document.pages) == ORDERS
        with Session(live_server.engine) as session:
            shipments = {s.order_id: s.waybill_no for s in session.exec(select(m.Shipment))}
        assert sorted(shipments) == sorted(ids)
        for n, page_pdf in enumerate(document.pages):
            text = page_pdf.extract_text()
            number = re.search(r"SBX\d{10}", text)
            assert number is not None and number.group(0) in shipments.values()
            assert f"王小明{n}" in text
        assert _label_png(pdf).stat().st_size > 10_000
        assert httpx.get(simulator + "/v1/_stats").json()["issued"] == ORDERS

        page.goto(f"{base}/orders?status=shipped")
        rows = page.locator("table.order-rows tbody tr")
        assert rows.count() == 20  # the first page of the 50
        first = rows.first
        order_id = int((first.get_attribute("id") or "").removeprefix("order-"))
        assert "已发货" in first.inner_text()
        assert f"SANDBOX {shipments[order_id]}" in first.locator("td.waybill").inner_text()
        shot(page, "label-printing-4-shipped-desktop")
        assert_accessible(page)

        page.set_viewport_size({"width": 375, "height": 812})
        assert_fits_phone(page)
        shot(page, "label-printing-5-shipped-phone")
        page.goto(f"{base}/orders")
        page.locator("details.action-fields", has_text="批量打单").locator("summary").click()
        assert_fits_phone(page)
        shot(page, "label-printing-6-choices-phone")
        with Session(live_server.engine) as session:
            job = session.exec(select(m.Job).where(m.Job.shop_id == shop.id)).one()
        page.goto(f"{base}/jobs/{job.id}")
        assert page.locator(".job-progress[data-status=succeeded]").count() == 1
        assert_fits_phone(page)
        shot(page, "label-printing-7-job-phone")
        page.goto(f"{base}/carriers")
        assert_fits_phone(page)
        assert SECRET not in page.content()
    finally:
        context.close()
