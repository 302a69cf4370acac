"""``/docs`` renders the API's operations with every request off this machine blocked,
and breaks none of the pages' Content-Security-Policy."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from tests.browser.conftest import LiveServer, shot


def test_api_docs_render_operations_offline(live_server: LiveServer, page: Any) -> None:
    outside: list[str] = []

    def only_this_machine(route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_machine)
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/docs")
    products = '.opblock-summary-path[data-path="/api/v1/shops/{shop_id}/products"]'
    page.locator(products).first.wait_for(timeout=60_000)  # a loaded CI machine is slow
    assert page.locator(".opblock").count() >= 50
    assert "Tanzi open API" in page.locator(".info .title").inner_text()
    shot(page, "api-docs-offline")
    assert outside == []
    assert [e for e in console_errors if "Content Security Policy" in e] == []


def test_docs_page_sends_the_page_security_headers(live_server: LiveServer, page: Any) -> None:
    response = page.goto(f"{live_server.url}/docs")
    assert response.status == 200
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
