"""Racing requests for the same code or refresh token: exactly one wins."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.oauth.conftest import (
    REDIRECT_URI,
    LiveServer,
    Merchant,
    RemoteApp,
    authorize,
    installed_token,
    query_of,
)

RACERS = 6


def _race(live: LiveServer, app: RemoteApp, data: dict[str, str]) -> list[httpx.Response]:
    assert app.client_secret is not None
    auth = (app.client_id, app.client_secret)

    def post(_: int) -> httpx.Response:
        return httpx.post(f"{live.url}/oauth/token", data=data, auth=auth, timeout=30)

    with ThreadPoolExecutor(RACERS) as pool:
        return list(pool.map(post, range(RACERS)))


def test_a_code_raced_by_several_requests_is_traded_once(
    live: LiveServer, browser: httpx.Client, remote_app: RemoteApp, merchant: Merchant
) -> None:
    authorized = authorize(live, browser, remote_app, merchant.shop.id)
    responses = _race(
        live,
        remote_app,
        {
            "grant_type": "authorization_code",
            "code": query_of(authorized.location)["code"],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": authorized.verifier,
        },
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [400] * (RACERS - 1)
    assert {r.json()["error"] for r in responses if r.status_code == 400} == {"invalid_grant"}


def test_a_refresh_token_raced_by_several_requests_rotates_once(
    live: LiveServer, browser: httpx.Client, remote_app: RemoteApp, merchant: Merchant
) -> None:
    _, token = installed_token(live, browser, remote_app, merchant.shop.id)
    responses = _race(
        live,
        remote_app,
        {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [400] * (RACERS - 1)
