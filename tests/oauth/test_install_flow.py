"""A remote app installed end to end by a real OAuth client against the running server:
consent, PKCE code exchange, API calls, refresh rotation, revocation and introspection."""

from __future__ import annotations

import httpx
import pytest
from authlib.integrations.base_client import OAuthError
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata
from sqlmodel import Session, select

import core.models as m
from core.crypto import decrypt_secret
from core.settings import Settings
from tests.conftest import Factory
from tests.oauth.conftest import (
    REDIRECT_URI,
    SCOPE,
    LiveServer,
    Merchant,
    RemoteApp,
    authorize,
    bearer,
    browser_for,
    consent,
    hidden_fields,
    installed_token,
    make_remote_app,
    oauth_client,
    query_of,
    token_for,
)


def test_metadata_describes_the_server(live: LiveServer) -> None:
    response = httpx.get(f"{live.url}/.well-known/oauth-authorization-server")
    assert response.status_code == 200
    metadata = AuthorizationServerMetadata(response.json())
    metadata.validate()
    assert metadata["issuer"] == live.url
    assert metadata["token_endpoint"] == f"{live.url}/oauth/token"
    assert metadata["revocation_endpoint"] == f"{live.url}/oauth/revoke"
    assert metadata["introspection_endpoint"] == f"{live.url}/oauth/introspect"
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert metadata["access_token_lifetime_s"] == 3600
    assert metadata["refresh_token_lifetime_s"] == 30 * 86400
    assert metadata["authorization_code_lifetime_s"] == 600
    assert "orders:pii" in metadata["scopes_supported"]


def test_consent_screen_names_the_service_and_each_scope_in_plain_words(
    live: LiveServer, browser: httpx.Client, remote_app: RemoteApp, merchant: Merchant
) -> None:
    client = oauth_client(live, remote_app)
    url, _ = client.create_authorization_url(f"{live.url}/oauth/authorize", code_verifier="v" * 50)
    page = browser.get(url)
    assert page.status_code == 200
    text = page.text
    assert "Install Stock Sync" in text
    assert "Warehouse Co" in text
    assert "See your products, SKUs and stock" in text  # products:read in plain words
    assert "To compare your stock with the warehouse" in text  # the provider's reason
    assert "See your orders (without buyers' names" in text
    assert "Free" in text
    assert f'<option value="{merchant.shop.id}">Mei&#39;s Tea</option>' in text
    assert hidden_fields(text)["client_id"] == remote_app.client_id


def test_install_flow_gives_tokens_bound_to_the_installation(
    live: LiveServer,
    browser: httpx.Client,
    remote_app: RemoteApp,
    merchant: Merchant,
    factory: Factory,
    settings: Settings,
) -> None:
    authorized = authorize(live, browser, remote_app, merchant.shop.id)
    params = query_of(authorized.location)
    assert params["state"] == authorized.state
    assert params["code"]
    token = token_for(live, authorized)
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 3600
    assert token["refresh_token"]
    assert token["scope"] == SCOPE
    assert token["shop_id"] == merchant.shop.id

    installation = factory.fetch(m.Installation, token["installation_id"])
    assert installation.shop_id == merchant.shop.id
    assert installation.kind == "remote"
    assert installation.plugin_id == "stock-sync"
    assert installation.listing_id == remote_app.listing.id
    assert installation.granted_scopes == sorted(SCOPE.split())
    assert installation.webhook_url == "https://app.example/hooks"
    assert installation.webhook_topics == ["order_paid"]
    assert decrypt_secret(settings.secret_key, installation.webhook_secret) == (
        remote_app.webhook_secret
    )
    assert factory.fetch(m.Listing, remote_app.listing.id).install_count == 1
    assert [e.name for e in factory.events("installation", installation.id)] == [
        "installation_created"
    ]

    shop = httpx.get(f"{live.url}/api/v1/shops/{merchant.shop.id}", headers=bearer(token))
    assert shop.status_code == 200, shop.text
    assert shop.json()["name"] == "Mei's Tea"
    # the token is stored hashed only
    with Session(factory.engine) as session:
        row = session.exec(
            select(m.AccessToken).where(m.AccessToken.installation_id == installation.id)
        ).one()
    assert row.kind == "oauth"
    assert token["access_token"] not in row.token_hash
    assert row.client_id == remote_app.client_id


def test_refresh_rotates_and_the_old_refresh_token_is_refused(
    live: LiveServer, browser: httpx.Client, remote_app: RemoteApp, merchant: Merchant
) -> None:
    authorized, first = installed_token(live, browser, remote_app, merchant.shop.id)
    second = dict(
        authorized.client.refresh_token(
            f"{live.url}/oauth/token", refresh_token=first["refresh_token"]
        )
    )
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert second["installation_id"] == first["installation_id"]
    api = f"{live.url}/api/v1/shops/{merchant.shop.id}"
    assert httpx.get(api, headers=bearer(second)).status_code == 200

    with pytest.raises(OAuthError) as refused:
        authorized.client.refresh_token(
            f"{live.url}/oauth/token", refresh_token=first["refresh_token"]
        )
    assert refused.value.error == "invalid_grant"
    # replaying a rotated refresh token revokes the whole family: someone holds a copy
    assert httpx.get(api, headers=bearer(second)).status_code == 401
    with pytest.raises(OAuthError):
        authorized.client.refresh_token(
            f"{live.url}/oauth/token", refresh_token=second["refresh_token"]
        )


def test_refresh_can_narrow_the_scopes_but_not_widen_them(
    live: LiveServer, browser: httpx.Client, remote_app: RemoteApp, merchant: Merchant
) -> None:
    authorized, first = installed_token(live, browser, remote_app, merchant.shop.id)
    narrow = authorized.client.refresh_token(
        f"{live.url}/oauth/token", refresh_token=first["refresh_token"], scope="shop:read"
    )
    assert narrow["scope"] == "shop:read"
    products = f"{live.url}/api/v1/shops/{merchant.shop.id}/products"
    denied = httpx.get(products, headers=bearer(dict(narrow)))
    assert denied.status_code == 403
    assert denied.json()["code"] == "scope_denied"
    with pytest.raises(OAuthError) as wider:
        authorized.client.refresh_token(
            f"{live.url}/oauth/token", refresh_token=narrow["refresh_token"], scope=SCOPE
        )
    assert wider.value.error == "invalid_scope"


def test_revoked_access_token_is_refused_and_revoking_the_refresh_token_ends_the_grant(
    live: LiveServer, browser: httpx.Client, remote_app: RemoteApp, merchant: Merchant
) -> None:
    authorized, token = installed_token(live, browser, remote_app, merchant.shop.id)
    api = f"{live.url}/api/v1/shops/{merchant.shop.id}"
    revoke_url = f"{live.url}/oauth/revoke"
    response = authorized.client.revoke_token(
        revoke_url, token=token["access_token"], token_type_hint="access_token"
    )
    assert response.status_code == 200
    refused = httpx.get(api, headers=bearer(token))
    assert refused.status_code == 401
    assert refused.json()["code"] == "invalid_token"

    fresh = authorized.client.refresh_token(
        f"{live.url}/oauth/token", refresh_token=token["refresh_token"]
    )
    assert httpx.get(api, headers=bearer(dict(fresh))).status_code == 200
    response = authorized.client.revoke_token(
        revoke_url, token=fresh["refresh_token"], token_type_hint="refresh_token"
    )
    assert response.status_code == 200
    assert httpx.get(api, headers=bearer(dict(fresh))).status_code == 401
    with pytest.raises(OAuthError):
        authorized.client.refresh_token(
            f"{live.url}/oauth/token", refresh_token=fresh["refresh_token"]
        )
    # an unknown token is "revoked" too (RFC 7009 2.2), and a client must authenticate
    assert authorized.client.revoke_token(revoke_url, token="nope").status_code == 200
    anonymous = httpx.post(revoke_url, data={"token": fresh["access_token"]})
    assert anonymous.status_code in (400, 401)
    assert anonymous.json()["error"] == "invalid_client"


def test_introspection_tells_the_client_about_its_own_tokens(
    live: LiveServer,
    browser: httpx.Client,
    remote_app: RemoteApp,
    merchant: Merchant,
    engine,
    settings: Settings,
    factory: Factory,
) -> None:
    authorized, token = installed_token(live, browser, remote_app, merchant.shop.id)
    url = f"{live.url}/oauth/introspect"
    info = authorized.client.introspect_token(url, token=token["access_token"]).json()
    assert info["active"] is True
    assert info["scope"] == SCOPE
    assert info["client_id"] == remote_app.client_id
    assert info["token_type"] == "Bearer"
    assert info["shop_id"] == merchant.shop.id
    assert info["installation_id"] == token["installation_id"]
    assert info["iss"] == live.url
    assert 3500 < info["exp"] - info["iat"] <= 3600
    refresh = authorized.client.introspect_token(
        url, token=token["refresh_token"], token_type_hint="refresh_token"
    ).json()
    assert refresh["active"] is True
    assert refresh["token_type"] == "refresh_token"
    assert 29 * 86400 < refresh["exp"] - refresh["iat"] <= 30 * 86400

    # another app cannot read this app's tokens
    other = make_remote_app(engine, settings, factory, slug="other-app", name="Other")
    stranger = oauth_client(live, other)
    assert stranger.introspect_token(url, token=token["access_token"]).json() == {"active": False}
    # no client credentials, no answer
    assert httpx.post(url, data={"token": token["access_token"]}).status_code == 401

    authorized.client.revoke_token(f"{live.url}/oauth/revoke", token=token["access_token"])
    after = authorized.client.introspect_token(url, token=token["access_token"]).json()
    assert after == {"active": False}


def test_deny_sends_the_person_back_with_access_denied(
    live: LiveServer, browser: httpx.Client, remote_app: RemoteApp, merchant: Merchant, factory
) -> None:
    client = oauth_client(live, remote_app)
    url, state = client.create_authorization_url(
        f"{live.url}/oauth/authorize", code_verifier="d" * 50
    )
    response = consent(browser, url, shop_id=None, decision="deny")
    params = query_of(response.headers["location"])
    assert response.headers["location"].startswith(REDIRECT_URI)
    assert params["error"] == "access_denied"
    assert params["state"] == state
    assert "code" not in params
    assert factory.fetch(m.Listing, remote_app.listing.id).install_count == 0


def test_a_signed_out_person_is_sent_to_sign_in_and_back(
    live: LiveServer, remote_app: RemoteApp
) -> None:
    client = oauth_client(live, remote_app)
    url, _ = client.create_authorization_url(f"{live.url}/oauth/authorize", code_verifier="s" * 50)
    response = httpx.get(url, headers={"accept": "text/html"})
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/signin?next=/oauth/authorize%3F")


def test_the_consent_form_needs_its_csrf_token(
    live: LiveServer, browser: httpx.Client, remote_app: RemoteApp, merchant: Merchant
) -> None:
    client = oauth_client(live, remote_app)
    url, _ = client.create_authorization_url(f"{live.url}/oauth/authorize", code_verifier="c" * 50)
    data = hidden_fields(browser.get(url).text)
    data.pop("csrf_token")
    response = browser.post(
        "/oauth/authorize", data={**data, "decision": "approve", "shop_id": merchant.shop.id}
    )
    assert response.status_code == 403
    assert "location" not in response.headers


def test_a_member_without_the_marketplace_permission_cannot_install(
    live: LiveServer, remote_app: RemoteApp, merchant: Merchant, factory: Factory
) -> None:
    clerk = factory.member(merchant.shop, areas=["orders", "products"])
    browser = browser_for(live, Merchant(clerk, merchant.shop))
    client = oauth_client(live, remote_app)
    url, _ = client.create_authorization_url(f"{live.url}/oauth/authorize", code_verifier="m" * 50)
    page = browser.get(url)
    assert page.status_code == 200
    assert "You have no shop where you may install services" in page.text
    assert 'name="shop_id"' not in page.text
    data = {**hidden_fields(page.text), "decision": "approve", "shop_id": str(merchant.shop.id)}
    refused = browser.post("/oauth/authorize", data=data)
    assert refused.status_code == 403
    assert factory.fetch(m.Listing, remote_app.listing.id).install_count == 0
    # with the permission, the same person may
    manager = factory.member(merchant.shop, areas=["marketplace"])
    browser = browser_for(live, Merchant(manager, merchant.shop))
    authorized = authorize(live, browser, remote_app, merchant.shop.id)
    assert "code" in query_of(authorized.location)
