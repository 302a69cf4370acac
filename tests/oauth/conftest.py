"""A running Tanzi for OAuth clients, a remote app listed in its market, and a merchant.

The install flow is driven the way it happens in the field: authlib's httpx ``OAuth2Client``
talks to a uvicorn server on a free loopback port, and the merchant's "browser" is an httpx
client that signs in and submits the consent form with the CSRF token read from the page.
"""

from __future__ import annotations

import html
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import uvicorn
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session

import core.models as m
from core.settings import Settings
from marketplace.services.oauth_clients import register_oauth_client
from tests.conftest import Factory
from tests.webtools import HTML, csrf_from

REDIRECT_URI = "http://127.0.0.1:9/callback"
SCOPES = [
    {"scope": "shop:read", "reason": "To show your shop's name in the app"},
    {"scope": "products:read", "reason": "To compare your stock with the warehouse"},
    {"scope": "orders:read", "reason": "To pick and pack paid orders"},
]
SCOPE = " ".join(entry["scope"] for entry in SCOPES)
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


@dataclass
class LiveServer:
    url: str
    app: FastAPI


@dataclass
class RemoteApp:
    listing: m.Listing
    version: m.ListingVersion
    client_id: str
    client_secret: str | None
    webhook_secret: str


@dataclass
class Merchant:
    account: m.Account
    shop: m.Shop
    password: str = "secret-pass"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live(app: FastAPI, settings: Settings) -> Iterator[LiveServer]:
    """The app served by uvicorn in a thread; ``settings.base_url`` is its address."""
    port = _free_port()
    settings.base_url = f"http://127.0.0.1:{port}"
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(settings.base_url, app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def make_remote_app(
    engine: Engine,
    settings: Settings,
    factory: Factory,
    *,
    slug: str = "stock-sync",
    public: bool = False,
    **listing_fields: Any,
) -> RemoteApp:
    """A live remote app with an approved version and a registered OAuth client."""
    provider = factory.account(is_provider=True, name="Warehouse Co")
    with Session(engine, expire_on_commit=False) as session:
        listing = m.Listing(
            slug=slug,
            provider_id=provider.id,
            name=listing_fields.pop("name", "Stock Sync"),
            summary="Keeps your stock in step with the warehouse.",
            status=m.ListingStatus.live,
            **listing_fields,
        )
        session.add(listing)
        session.flush()
        version = m.ListingVersion(
            listing_id=listing.id,
            version="1.0.0",
            kind="remote",
            redirect_uris=[REDIRECT_URI],
            webhook_url="https://app.example/hooks",
            webhook_topics=["order_paid"],
            scopes=SCOPES,
            status=m.VersionStatus.approved,
        )
        session.add(version)
        session.flush()
        listing.live_version_id = version.id
        session.add(listing)
        client_id, secret, webhook_secret = register_oauth_client(
            session, settings=settings, listing=listing, redirect_uris=[REDIRECT_URI], public=public
        )
        session.commit()
    return RemoteApp(listing, version, client_id, secret, webhook_secret)


@pytest.fixture
def remote_app(engine: Engine, settings: Settings, factory: Factory) -> RemoteApp:
    return make_remote_app(engine, settings, factory)


@pytest.fixture
def merchant(factory: Factory) -> Merchant:
    account = factory.account(name="Mei")
    return Merchant(account, factory.shop(account, name="Mei's Tea"))


def browser_for(live: LiveServer, merchant: Merchant) -> httpx.Client:
    """A signed-in browser (cookies kept) for the merchant."""
    client = httpx.Client(base_url=live.url, headers=HTML, timeout=10)
    page = client.get("/signin")
    response = client.post(
        "/signin",
        data={
            "email": merchant.account.email,
            "password": merchant.password,
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.status_code == 303, response.text
    return client


@pytest.fixture
def browser(live: LiveServer, merchant: Merchant) -> Iterator[httpx.Client]:
    client = browser_for(live, merchant)
    yield client
    client.close()


def oauth_client(live: LiveServer, app: RemoteApp, **kwargs: Any) -> OAuth2Client:
    """The remote app's side: authlib's OAuth client, PKCE S256 on."""
    return OAuth2Client(
        client_id=app.client_id,
        client_secret=app.client_secret,
        scope=kwargs.pop("scope", SCOPE),
        redirect_uri=kwargs.pop("redirect_uri", REDIRECT_URI),
        code_challenge_method=kwargs.pop("code_challenge_method", "S256"),
        timeout=10,
        **kwargs,
    )


def hidden_fields(page_html: str) -> dict[str, str]:
    return {name: html.unescape(value) for name, value in _HIDDEN.findall(page_html)}


def consent(
    browser: httpx.Client, authorize_url: str, *, shop_id: int | None, decision: str = "approve"
) -> httpx.Response:
    """Open the consent screen and submit it; returns the redirect back to the client."""
    page = browser.get(authorize_url)
    assert page.status_code == 200, page.text
    data = hidden_fields(page.text)
    data["decision"] = decision
    if shop_id is not None:
        data["shop_id"] = str(shop_id)
    response = browser.post("/oauth/authorize", data=data)
    assert response.status_code == 302, response.text
    return response


def query_of(location: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


@dataclass
class Authorized:
    client: OAuth2Client
    verifier: str
    location: str  # where the consent sent the browser back: REDIRECT_URI?code=...&state=...
    state: str


def authorize(
    live: LiveServer, browser: httpx.Client, app: RemoteApp, shop_id: int, **kwargs: Any
) -> Authorized:
    """Run the authorization request and the merchant's approval; no token yet."""
    client = oauth_client(live, app, **kwargs)
    verifier = generate_token(48)
    url, state = client.create_authorization_url(
        f"{live.url}/oauth/authorize", code_verifier=verifier
    )
    response = consent(browser, url, shop_id=shop_id)
    location = response.headers["location"]
    assert location.startswith(REDIRECT_URI), location
    return Authorized(client, verifier, location, state)


def token_for(live: LiveServer, authorized: Authorized) -> dict[str, Any]:
    return dict(
        authorized.client.fetch_token(
            f"{live.url}/oauth/token",
            authorization_response=authorized.location,
            code_verifier=authorized.verifier,
        )
    )


def installed_token(
    live: LiveServer, browser: httpx.Client, app: RemoteApp, shop_id: int
) -> tuple[Authorized, dict[str, Any]]:
    authorized = authorize(live, browser, app, shop_id)
    return authorized, token_for(live, authorized)


def bearer(token: dict[str, Any] | str) -> dict[str, str]:
    raw = token if isinstance(token, str) else token["access_token"]
    return {"Authorization": f"Bearer {raw}"}
