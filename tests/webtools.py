"""Helpers for page tests: read a form's CSRF token and sign a person in through the form."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
HTML = {"accept": "text/html"}


def csrf_from(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = _TOKEN.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str) -> None:
    """Sign ``client`` in through the sign-in page, as a browser would."""
    page = client.get("/signin", headers=HTML)
    response = client.post(
        "/signin",
        data={"email": email, "password": password, "csrf_token": csrf_from(page.text)},
        headers=HTML,
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
