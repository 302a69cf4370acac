"""Every HTML page says it may not be framed, sniffed or given an inline script, and
every response says nosniff. The pages are taken from ``app.routes``, so a new page is
checked the day it is added."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from marketplace.security_headers import CONTENT_SECURITY_POLICY
from tests.conftest import Factory
from tests.routes import api_routes
from tests.webtools import sign_in

HTML = {"accept": "text/html"}


def assert_page_headers(response: object, what: str) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    csp = headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp, what
    assert "default-src 'self'" in csp, what
    assert "'unsafe-inline'" not in csp, what
    assert headers.get("x-frame-options") == "DENY", what
    assert headers.get("x-content-type-options") == "nosniff", what
    assert headers.get("referrer-policy") == "same-origin", what


def test_the_policy_allows_no_inline_script_and_no_framing() -> None:
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY


def test_every_page_route_sends_the_security_headers(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    person = factory.account(is_admin=True, is_provider=True)
    shop = factory.shop(person)
    sign_in(client, person.email, "secret-pass")
    pages = 0
    for route in api_routes(app.routes):
        if route.path.startswith("/api/") or "GET" not in route.methods:
            continue
        url = route.path.replace("{shop_id}", str(shop.id))
        url = re.sub(r"\{[^}:]+(:path)?\}", "1", url)
        response = client.get(url, headers=HTML, follow_redirects=False)
        if response.headers.get("content-type", "").startswith("text/html"):
            assert_page_headers(response, f"GET {url} -> {response.status_code}")
            pages += response.status_code == 200
        else:
            assert response.headers.get("x-content-type-options") == "nosniff", url
    assert pages >= 12


def test_error_pages_and_signed_out_pages_send_them_too(client: TestClient) -> None:
    assert_page_headers(client.get("/signin", headers=HTML), "/signin")
    missing = client.get("/no-such-page", headers=HTML)
    assert missing.status_code == 404
    assert_page_headers(missing, "404 page")


def test_api_responses_say_nosniff(client: TestClient) -> None:
    response = client.get("/api/v1/categories")
    assert response.headers["x-content-type-options"] == "nosniff"
