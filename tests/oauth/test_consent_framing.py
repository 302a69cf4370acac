"""The consent screen cannot be framed (clickjacking a merchant into granting scopes)."""

from __future__ import annotations

import httpx

from tests.oauth.conftest import LiveServer, RemoteApp, oauth_client
from tests.test_security_headers import assert_page_headers


def test_the_consent_screen_refuses_to_be_framed(
    live: LiveServer, browser: httpx.Client, remote_app: RemoteApp
) -> None:
    client = oauth_client(live, remote_app)
    url, _ = client.create_authorization_url(f"{live.url}/oauth/authorize", code_verifier="v" * 50)
    page = browser.get(url)
    assert page.status_code == 200
    assert "<form" in page.text
    assert_page_headers(page, "consent screen")
