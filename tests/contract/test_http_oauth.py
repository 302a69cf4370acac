"""``HttpShopClient`` with the marketplace's own OAuth server: a remote app installed through
consent keeps working when its access token dies, by refreshing at ``/oauth/token`` with
``RefreshTokenGrant`` (rotation included), for confidential and public clients alike.
The fixtures ``live``, ``browser``, ``remote_app`` and ``merchant`` are the OAuth tests'
(``tests/oauth/conftest.py``), made visible here by ``tests/contract/conftest.py``.
"""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.engine import Engine

from core.settings import Settings
from sdk.errors import AccessDenied
from sdk.http import HttpShopClient, RefreshTokenGrant, RetryPolicy, TokenSet
from tests.conftest import Factory
from tests.oauth.conftest import (
    LiveServer,
    Merchant,
    RemoteApp,
    installed_token,
    make_remote_app,
)


def _client(
    live: LiveServer, shop_id: int, token: dict[str, object], grant: RefreshTokenGrant, **kw: object
) -> HttpShopClient:
    tokens = TokenSet(
        access_token=str(token["access_token"]),
        refresh_token=str(token["refresh_token"]),
        expires_at=float(token["expires_at"]),  # type: ignore[arg-type]
    )
    return HttpShopClient(
        live.url, shop_id, token=tokens, refresh=grant, retry=RetryPolicy(attempts=1), **kw
    )


def test_a_revoked_access_token_is_refreshed_at_the_marketplace(
    live: LiveServer, browser: httpx.Client, remote_app: RemoteApp, merchant: Merchant
) -> None:
    authorized, token = installed_token(live, browser, remote_app, merchant.shop.id or 0)
    grant = RefreshTokenGrant(
        f"{live.url}/oauth/token",
        client_id=remote_app.client_id,
        client_secret=remote_app.client_secret,
    )
    stored: list[TokenSet] = []
    with _client(live, merchant.shop.id or 0, token, grant, on_tokens=stored.append) as client:
        assert client.shop.get().name == "Mei's Tea"
        assert client.installation_id is not None
        revoked = authorized.client.revoke_token(
            f"{live.url}/oauth/revoke", token=token["access_token"], token_type_hint="access_token"
        )
        assert revoked.status_code == 200
        assert client.products.list() == []  # 401 invalid_token -> refresh -> repeated
        assert len(stored) == 1 and stored[0] == client.tokens
        assert client.tokens.refresh_token not in (None, token["refresh_token"])
        assert client.tokens.access_token != token["access_token"]
    # the first refresh token was rotated away: using it again is refused
    with pytest.raises(AccessDenied) as raised:
        grant(TokenSet(access_token="x", refresh_token=str(token["refresh_token"])))
    assert raised.value.code == "invalid_grant"
    grant.close()


def test_a_public_client_refreshes_without_a_secret(
    live: LiveServer,
    browser: httpx.Client,
    merchant: Merchant,
    engine: Engine,
    settings: Settings,
    factory: Factory,
) -> None:
    public = make_remote_app(engine, settings, factory, slug="pos-link", public=True)
    authorized, token = installed_token(live, browser, public, merchant.shop.id or 0)
    grant = RefreshTokenGrant(f"{live.url}/oauth/token", client_id=public.client_id)
    with _client(live, merchant.shop.id or 0, token, grant) as client:
        authorized.client.revoke_token(
            f"{live.url}/oauth/revoke", token=token["access_token"], token_type_hint="access_token"
        )
        assert client.shop.get().id == merchant.shop.id
        assert client.tokens.refresh_token != token["refresh_token"]
    grant.close()
