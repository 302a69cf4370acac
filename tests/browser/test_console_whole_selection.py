"""A whole-selection action in a real browser: the selected orders make one file, offered
for download on the same page once the run ends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import Session

from core.plugins.installations import enable_plugin
from tests.browser.conftest import LiveServer, assert_accessible, browser_sign_in, shot
from tests.marketplace.console_helpers import ALL_SCOPES, PLUGIN, settings  # noqa: F401


def test_the_selection_makes_one_file_to_download(live_server: LiveServer, page: Any) -> None:
    owner = live_server.factory.account(email="owner@example.com", password="secret-pass")
    shop = live_server.factory.shop(owner, name="Tea corner")
    orders = [live_server.factory.order(shop)[0] for _ in range(3)]
    with Session(live_server.engine) as session:
        enable_plugin(
            session,
            host=live_server.app.state.plugins,
            shop_id=shop.id,
            plugin_id=PLUGIN,
            granted_scopes=ALL_SCOPES,
        )
        session.commit()
    browser_sign_in(page, live_server.url, "owner@example.com", "secret-pass")
    page.goto(f"{live_server.url}/console/shops/{shop.id}/orders")
    page.check("input.select-all")
    page.click("button[name=action][value='label_printer:label_sheet']")
    result = page.locator(".job-progress .job-result")
    result.wait_for(state="visible", timeout=30_000)
    assert page.locator(".job-progress[data-status=succeeded]").count() == 1
    assert page.locator(".job-percent").inner_text() == "100%"
    shot(page, "console-whole-selection-done")
    assert_accessible(page)
    with page.expect_download() as info:
        result.locator("a").click()
    download = info.value
    lines = Path(download.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0] == "order,recipient,lines"
    assert sorted(int(line.split(",")[0]) for line in lines[1:]) == sorted(o.id for o in orders)
