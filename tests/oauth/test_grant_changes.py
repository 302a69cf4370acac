"""A token is worth its own scopes within the installation's grant as it stands: narrowing
the grant narrows tokens already issued, re-consent widens what a refresh gets, and a
removal ends every token for good, even across a reinstall."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from authlib.integrations.base_client import OAuthError
from sqlalchemy.engine import Engine
from sqlmodel import Session

import core.models as m
from core.models.base import utcnow
from core.plugins.client import ScopedClient
from core.plugins.manager import InstallationRef
from marketplace.services.installed import approve_pending_version, uninstall_service
from sdk.errors import ScopeDenied
from tests.conftest import Factory
from tests.oauth.conftest import (
    LiveServer,
    Merchant,
    RemoteApp,
    authorize,
    bearer,
    hidden_fields,
    token_for,
)


def _get(live: LiveServer, path: str, token: dict) -> httpx.Response:
    return httpx.get(f"{live.url}/api/v1{path}", headers=bearer(token))


def test_an_app_token_without_shop_read_cannot_list_shops(
    live: LiveServer, browser: httpx.Client, remote_app: RemoteApp, merchant: Merchant
) -> None:
    authorized = authorize(live, browser, remote_app, merchant.shop.id, scope="products:read")
    token = token_for(live, authorized)
    listed = _get(live, "/shops", token)
    assert listed.status_code == 403, listed.text
    assert listed.json()["code"] == "scope_denied"
    assert "licence_number" not in listed.text
    one = _get(live, f"/shops/{merchant.shop.id}", token)
    assert one.status_code == 403 and one.json()["code"] == "scope_denied"


def test_an_app_token_with_shop_read_lists_only_its_own_shop(
    live: LiveServer,
    browser: httpx.Client,
    remote_app: RemoteApp,
    merchant: Merchant,
    factory: Factory,
) -> None:
    factory.shop(merchant.account, name="Mei's Other Shop")
    authorized = authorize(live, browser, remote_app, merchant.shop.id, scope="shop:read")
    listed = _get(live, "/shops", token_for(live, authorized))
    assert listed.status_code == 200
    assert [shop["id"] for shop in listed.json()["items"]] == [merchant.shop.id]


def test_narrowing_the_grant_narrows_tokens_already_issued(
    live: LiveServer, browser: httpx.Client, remote_app: RemoteApp, merchant: Merchant
) -> None:
    shop = merchant.shop.id
    first = authorize(live, browser, remote_app, shop, scope="products:read orders:read")
    wide = token_for(live, first)
    assert _get(live, f"/shops/{shop}/orders", wide).status_code == 200

    second = authorize(live, browser, remote_app, shop, scope="products:read")
    narrow = token_for(live, second)
    assert narrow["scope"] == "products:read"

    refused = _get(live, f"/shops/{shop}/orders", wide)
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "scope_denied"
    assert _get(live, f"/shops/{shop}/products", wide).status_code == 200
    info = first.client.introspect_token(
        f"{live.url}/oauth/introspect", token=wide["access_token"]
    ).json()
    assert info["active"] is True and info["scope"] == "products:read"
    # its refresh token cannot bring the dropped scope back either
    again = dict(
        first.client.refresh_token(f"{live.url}/oauth/token", refresh_token=wide["refresh_token"])
    )
    assert again["scope"] == "products:read"
    assert _get(live, f"/shops/{shop}/orders", again).status_code == 403


def test_a_refresh_after_re_consent_carries_the_new_grant(
    live: LiveServer,
    browser: httpx.Client,
    remote_app: RemoteApp,
    merchant: Merchant,
    engine: Engine,
) -> None:
    shop = merchant.shop.id
    authorized = authorize(live, browser, remote_app, shop, scope="shop:read products:read")
    first = token_for(live, authorized)
    with Session(engine) as session:
        row = session.get(m.Installation, first["installation_id"])
        assert row is not None
        row.pending_version = "1.1.0"
        row.pending_scopes = ["shop:read", "products:read", "orders:read"]
        approve_pending_version(session, installation=row)
        session.commit()
    assert _get(live, f"/shops/{shop}/orders", first).status_code == 403
    refreshed = dict(
        authorized.client.refresh_token(
            f"{live.url}/oauth/token", refresh_token=first["refresh_token"]
        )
    )
    assert set(refreshed["scope"].split()) == {"shop:read", "products:read", "orders:read"}
    assert _get(live, f"/shops/{shop}/orders", refreshed).status_code == 200


def test_a_reinstall_after_removal_does_not_revive_old_tokens(
    live: LiveServer,
    browser: httpx.Client,
    remote_app: RemoteApp,
    merchant: Merchant,
    engine: Engine,
) -> None:
    shop = merchant.shop.id
    first = authorize(live, browser, remote_app, shop)
    old = token_for(live, first)
    assert _get(live, f"/shops/{shop}/orders", old).status_code == 200
    with Session(engine) as session:
        uninstall_service(session, shop_id=shop, slug=remote_app.listing.slug, cleanup_s=60)
        session.commit()
    assert _get(live, f"/shops/{shop}/orders", old).status_code == 200  # cleanup window
    with Session(engine) as session:  # the window passes
        row = session.get(m.Installation, old["installation_id"])
        assert row is not None
        row.cleanup_until = utcnow() - timedelta(seconds=1)
        session.add(row)
        session.commit()
    assert _get(live, f"/shops/{shop}/products", old).status_code == 401

    again = authorize(live, browser, remote_app, shop, scope="products:read")
    new = token_for(live, again)
    assert new["installation_id"] == old["installation_id"]
    assert _get(live, f"/shops/{shop}/products", new).status_code == 200
    for path in (f"/shops/{shop}/orders", f"/shops/{shop}/products"):
        stale = _get(live, path, old)
        assert stale.status_code == 401, stale.text
        assert stale.json()["code"] == "invalid_token"
    with pytest.raises(OAuthError) as refused:
        first.client.refresh_token(f"{live.url}/oauth/token", refresh_token=old["refresh_token"])
    assert refused.value.error == "invalid_grant"


def test_the_in_process_client_obeys_a_narrowed_grant(engine: Engine, factory: Factory) -> None:
    shop = factory.shop()
    with Session(engine, expire_on_commit=False) as session:
        row = m.Installation(
            shop_id=shop.id,
            plugin_id="recorder",
            version="1.0.0",
            granted_scopes=["orders:read", "products:read"],
        )
        session.add(row)
        session.commit()
    client = ScopedClient(engine, InstallationRef.of(row))
    assert client.orders.list() == []
    with Session(engine) as session:
        stored = session.get(m.Installation, row.id)
        assert stored is not None
        stored.granted_scopes = ["products:read"]
        session.add(stored)
        session.commit()
    with pytest.raises(ScopeDenied):
        client.orders.list()
    assert client.products.list() == []


def test_a_suspended_shop_stops_its_app_tokens_refresh_and_new_installs(
    live: LiveServer,
    browser: httpx.Client,
    remote_app: RemoteApp,
    merchant: Merchant,
    engine: Engine,
) -> None:
    shop = merchant.shop.id
    authorized = authorize(live, browser, remote_app, shop)
    token = token_for(live, authorized)
    with Session(engine) as session:
        row = session.get(m.Shop, shop)
        assert row is not None
        row.suspended_at = utcnow()
        session.add(row)
        session.commit()
    refused = _get(live, "/shops", token)
    assert refused.status_code == 403 and refused.json()["code"] == "shop_suspended"
    info = authorized.client.introspect_token(
        f"{live.url}/oauth/introspect", token=token["access_token"]
    ).json()
    assert info == {"active": False}
    with pytest.raises(OAuthError):
        authorized.client.refresh_token(
            f"{live.url}/oauth/token", refresh_token=token["refresh_token"]
        )
    page = browser.get(
        authorized.client.create_authorization_url(
            f"{live.url}/oauth/authorize", code_verifier="v" * 48
        )[0]
    )
    data = {**hidden_fields(page.text), "decision": "approve", "shop_id": str(shop)}
    install = browser.post("/oauth/authorize", data=data)
    assert install.status_code == 403, install.text
