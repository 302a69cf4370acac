"""What the authorization server and the guard refuse, each with its status and error."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from sqlalchemy import update
from sqlmodel import Session

import core.models as m
from core.models.base import utcnow
from tests.conftest import Factory
from tests.oauth.conftest import (
    REDIRECT_URI,
    LiveServer,
    Merchant,
    RemoteApp,
    authorize,
    bearer,
    hidden_fields,
    installed_token,
    make_remote_app,
    oauth_client,
    query_of,
    token_for,
)


def _token_error(live: LiveServer, data: dict[str, str], app: RemoteApp) -> httpx.Response:
    assert app.client_secret is not None
    return httpx.post(f"{live.url}/oauth/token", data=data, auth=(app.client_id, app.client_secret))


def test_wrong_code_verifier_is_invalid_grant(
    live: LiveServer, browser: httpx.Client, remote_app: RemoteApp, merchant: Merchant
) -> None:
    authorized = authorize(live, browser, remote_app, merchant.shop.id)
    with pytest.raises(OAuthError) as refused:
        authorized.client.fetch_token(
            f"{live.url}/oauth/token",
            authorization_response=authorized.location,
            code_verifier=generate_token(48),
        )
    assert refused.value.error == "invalid_grant"
    raw = _token_error(
        live,
        {
            "grant_type": "authorization_code",
            "code": query_of(authorized.location)["code"],
            "redirect_uri": REDIRECT_URI,
        },
        remote_app,
    )
    # a code issued with a PKCE challenge needs its verifier
    assert raw.status_code == 400
    assert raw.json()["error"] == "invalid_request"


def test_a_code_works_once_and_its_replay_revokes_what_it_gave(
    live: LiveServer, browser: httpx.Client, remote_app: RemoteApp, merchant: Merchant
) -> None:
    authorized = authorize(live, browser, remote_app, merchant.shop.id)
    token = token_for(live, authorized)
    api = f"{live.url}/api/v1/shops/{merchant.shop.id}"
    assert httpx.get(api, headers=bearer(token)).status_code == 200
    with pytest.raises(OAuthError) as refused:
        token_for(live, authorized)
    assert refused.value.error == "invalid_grant"
    assert httpx.get(api, headers=bearer(token)).status_code == 401


def test_an_expired_code_is_invalid_grant(
    live: LiveServer,
    browser: httpx.Client,
    remote_app: RemoteApp,
    merchant: Merchant,
    factory: Factory,
) -> None:
    authorized = authorize(live, browser, remote_app, merchant.shop.id)
    with Session(factory.engine) as session:
        session.exec(  # type: ignore[call-overload]
            update(m.AuthorizationCode).values(expires_at=utcnow() - timedelta(seconds=1))
        )
        session.commit()
    with pytest.raises(OAuthError) as refused:
        token_for(live, authorized)
    assert refused.value.error == "invalid_grant"


def test_the_redirect_uri_must_match_exactly(
    live: LiveServer, browser: httpx.Client, remote_app: RemoteApp, merchant: Merchant
) -> None:
    # at the authorization endpoint: an error page, never a redirect to the unknown URI
    client = oauth_client(live, remote_app, redirect_uri=REDIRECT_URI + "/")
    url, _ = client.create_authorization_url(f"{live.url}/oauth/authorize", code_verifier="r" * 50)
    page = browser.get(url)
    assert page.status_code == 400
    assert "location" not in page.headers
    assert "This authorization request cannot be used" in page.text
    # at the token endpoint: the code was issued for another redirect URI
    authorized = authorize(live, browser, remote_app, merchant.shop.id)
    with pytest.raises(OAuthError) as refused:
        authorized.client.fetch_token(
            f"{live.url}/oauth/token",
            authorization_response=authorized.location,
            code_verifier=authorized.verifier,
            redirect_uri="http://127.0.0.1:9/other",
        )
    assert refused.value.error == "invalid_grant"


def test_unknown_client_and_wrong_secret_are_refused(
    live: LiveServer, browser: httpx.Client, remote_app: RemoteApp, merchant: Merchant
) -> None:
    page = browser.get(
        f"{live.url}/oauth/authorize",
        params={"response_type": "code", "client_id": "tzc_nobody", "redirect_uri": REDIRECT_URI},
    )
    assert page.status_code == 400
    assert "invalid_client" in page.text
    authorized = authorize(live, browser, remote_app, merchant.shop.id)
    response = httpx.post(
        f"{live.url}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": query_of(authorized.location)["code"],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": authorized.verifier,
        },
        auth=(remote_app.client_id, "wrong-secret"),
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    # a confidential client cannot pass itself off as public (no secret at all)
    response = httpx.post(
        f"{live.url}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "client_id": remote_app.client_id,
            "code": query_of(authorized.location)["code"],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": authorized.verifier,
        },
    )
    assert response.status_code in (400, 401)
    assert response.json()["error"] == "invalid_client"


def test_unknown_scopes_are_refused_back_at_the_client(
    live: LiveServer, browser: httpx.Client, remote_app: RemoteApp
) -> None:
    client = oauth_client(live, remote_app, scope="shop:read everything:write")
    url, state = client.create_authorization_url(
        f"{live.url}/oauth/authorize", code_verifier="u" * 50
    )
    response = browser.get(url)
    assert response.status_code == 302
    params = query_of(response.headers["location"])
    assert params["error"] == "invalid_scope"
    assert params["state"] == state


def test_public_clients_must_use_pkce_with_s256(
    live: LiveServer,
    browser: httpx.Client,
    merchant: Merchant,
    engine,
    settings,
    factory: Factory,
) -> None:
    app = make_remote_app(engine, settings, factory, slug="phone-app", public=True)
    assert app.client_secret is None
    authorize_url = f"{live.url}/oauth/authorize"
    without = oauth_client(live, app, code_challenge_method=None)
    url, _ = without.create_authorization_url(authorize_url)
    params = query_of(browser.get(url).headers["location"])
    assert params["error"] == "invalid_request"
    assert "PKCE" in params["error_description"]
    plain = browser.get(
        authorize_url,
        params={
            "response_type": "code",
            "client_id": app.client_id,
            "redirect_uri": REDIRECT_URI,
            "code_challenge": "p" * 50,
            "code_challenge_method": "plain",
        },
    )
    assert query_of(plain.headers["location"])["error"] == "invalid_request"

    authorized = authorize(live, browser, app, merchant.shop.id)
    code = query_of(authorized.location)["code"]
    missing = httpx.post(
        f"{live.url}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "client_id": app.client_id,
            "code": code,
            "redirect_uri": REDIRECT_URI,
        },
    )
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"
    token = token_for(live, authorized)  # no secret: token_endpoint_auth_method "none"
    api = f"{live.url}/api/v1/shops/{merchant.shop.id}"
    assert httpx.get(api, headers=bearer(token)).status_code == 200
    # a public client cannot introspect (client authentication required)
    info = httpx.post(
        f"{live.url}/oauth/introspect",
        data={"token": token["access_token"], "client_id": app.client_id},
    )
    assert info.status_code in (400, 401)


def test_an_expired_access_token_is_refused_with_401(
    live: LiveServer,
    browser: httpx.Client,
    remote_app: RemoteApp,
    merchant: Merchant,
    factory: Factory,
) -> None:
    _, token = installed_token(live, browser, remote_app, merchant.shop.id)
    with Session(factory.engine) as session:
        session.exec(  # type: ignore[call-overload]
            update(m.AccessToken)
            .where(m.AccessToken.kind == "oauth")  # type: ignore[arg-type]
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        session.commit()
    response = httpx.get(f"{live.url}/api/v1/shops/{merchant.shop.id}", headers=bearer(token))
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"


def test_a_token_of_shop_a_finds_nothing_in_shop_b(
    live: LiveServer,
    browser: httpx.Client,
    remote_app: RemoteApp,
    merchant: Merchant,
    factory: Factory,
) -> None:
    _, token = installed_token(live, browser, remote_app, merchant.shop.id)
    other = factory.shop(merchant.account, name="Mei's Second Shop")
    for path in ("", "/products", "/orders"):
        response = httpx.get(f"{live.url}/api/v1/shops/{other.id}{path}", headers=bearer(token))
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"


def test_a_token_without_the_scope_is_refused_with_403(
    live: LiveServer, browser: httpx.Client, remote_app: RemoteApp, merchant: Merchant
) -> None:
    _, token = installed_token(live, browser, remote_app, merchant.shop.id)
    base = f"{live.url}/api/v1/shops/{merchant.shop.id}"
    assert httpx.get(f"{base}/orders", headers=bearer(token)).status_code == 200
    denied = httpx.post(f"{base}/products", headers=bearer(token), json={})
    assert denied.status_code == 403
    problem = denied.json()
    assert problem["code"] == "scope_denied"
    assert problem["missing_scope"] == "products:write"


def test_the_consent_cannot_be_replayed_for_another_shop_of_someone_else(
    live: LiveServer,
    browser: httpx.Client,
    remote_app: RemoteApp,
    merchant: Merchant,
    factory: Factory,
) -> None:
    stranger_shop = factory.shop()
    client = oauth_client(live, remote_app)
    url, _ = client.create_authorization_url(f"{live.url}/oauth/authorize", code_verifier="x" * 50)
    data = {**hidden_fields(browser.get(url).text), "decision": "approve"}
    response = browser.post("/oauth/authorize", data={**data, "shop_id": str(stranger_shop.id)})
    assert response.status_code == 404
    assert factory.fetch(m.Listing, remote_app.listing.id).install_count == 0
