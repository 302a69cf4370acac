"""Webhook secrets: a provider rotates its app's secret in the provider console; the new one
is shown once in the standard ``whsec_`` spelling, every installation moves to it, and
deliveries carry the old secret's signature too until the overlap ends. A secret stored
before the standard is shown in its standard spelling (the same key)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import core.models as m
from core.crypto import decrypt_secret, encrypt_secret
from core.models.base import utcnow
from core.plugins.webhooks import load_secrets
from core.settings import Settings
from marketplace.services.oauth_clients import WEBHOOK_SECRET_OVERLAP, register_oauth_client
from marketplace.services.review import new_client_credentials
from sdk.remote import SECRET_PREFIX, secret_key, standard_secret
from tests.conftest import Factory
from tests.marketplace.providerdata import draft_listing
from tests.webtools import HTML, csrf_from, sign_in

PASSWORD = "provider-password"
PAGE = "/provider/listings/ledger"


def _app_with_client(
    engine: Engine, factory: Factory, settings: Settings, provider: m.Account
) -> tuple[m.Listing, m.Installation, str]:
    """A live remote listing with its OAuth client and one shop's installation."""
    listing = draft_listing(engine, provider, slug="ledger", status=m.ListingStatus.live)
    with Session(engine) as session:
        _, _, secret = register_oauth_client(
            session, settings=settings, listing=listing, redirect_uris=["https://a.example/cb"]
        )
        client = session.exec(select(m.OAuthClient)).one()
        stored = client.webhook_secret
        session.commit()
    shop = factory.shop()
    installation = m.Installation(
        shop_id=shop.id,
        plugin_id="ledger",
        version="1.0.0",
        kind="remote",
        listing_id=listing.id,
        webhook_url="https://a.example/webhooks",
        webhook_topics=["order.paid"],
        webhook_secret=stored,
    )
    factory._save(installation)
    return listing, installation, secret


def _rotate(client: TestClient) -> Any:
    token = csrf_from(client.get(PAGE, headers=HTML).text)
    return client.post(
        f"{PAGE}/webhook-secret", data={"csrf_token": token}, headers=HTML, follow_redirects=False
    )


def test_a_provider_rotates_the_webhook_secret_with_an_overlap(
    client: TestClient, factory: Factory, settings: Settings, engine: Engine
) -> None:
    provider = factory.account(password=PASSWORD, is_provider=True)
    _, installation, old = _app_with_client(engine, factory, settings, provider)
    assert old.startswith(SECRET_PREFIX) and len(secret_key(old)) == 32
    sign_in(client, provider.email, PASSWORD)
    assert f'action="{PAGE}/webhook-secret"' in client.get(PAGE, headers=HTML).text

    answer = _rotate(client)

    assert answer.status_code == 200, answer.text
    shown = re.search(r'class="webhook-secret">(whsec_[^<]+)<', answer.text)
    assert shown is not None
    new = shown.group(1)
    assert new != old and standard_secret(new) == new and len(secret_key(new)) == 32
    assert "tz_cs_" not in answer.text  # rotating the webhook secret leaves the client secret
    with Session(engine) as session:
        oauth = session.exec(select(m.OAuthClient)).one()
        inst = session.get(m.Installation, installation.id)
        assert inst is not None
        assert decrypt_secret(settings.secret_key, oauth.webhook_secret) == new
        assert decrypt_secret(settings.secret_key, oauth.previous_webhook_secret) == old
        assert decrypt_secret(settings.secret_key, inst.webhook_secret) == new
        until = oauth.previous_webhook_secret_until
        assert until is not None
        now = utcnow()
        assert load_secrets(session, [inst], secret_key=settings.secret_key, now=now) == {
            inst.id: (new, old)
        }
        after = now + WEBHOOK_SECRET_OVERLAP + timedelta(seconds=1)
        assert load_secrets(session, [inst], secret_key=settings.secret_key, now=after) == {
            inst.id: (new,)
        }
    assert new not in client.get(PAGE, headers=HTML).text  # shown on that answer only


def test_rotating_again_drops_the_oldest_secret(
    client: TestClient, factory: Factory, settings: Settings, engine: Engine
) -> None:
    provider = factory.account(password=PASSWORD, is_provider=True)
    _, installation, first = _app_with_client(engine, factory, settings, provider)
    sign_in(client, provider.email, PASSWORD)
    _rotate(client)
    third = re.search(r'class="webhook-secret">(whsec_[^<]+)<', _rotate(client).text)
    assert third is not None
    with Session(engine) as session:
        inst = session.get(m.Installation, installation.id)
        assert inst is not None
        current, previous = load_secrets(session, [inst], secret_key=settings.secret_key)[
            inst.id or 0
        ]
    assert current == third.group(1)
    assert first not in (current, previous)


def test_another_provider_cannot_rotate_the_secret(
    client: TestClient, factory: Factory, settings: Settings, engine: Engine
) -> None:
    owner = factory.account(password=PASSWORD, is_provider=True)
    _app_with_client(engine, factory, settings, owner)
    other = factory.account(password=PASSWORD, is_provider=True)
    sign_in(client, other.email, PASSWORD)
    token = csrf_from(client.get("/provider", headers=HTML).text)
    answer = client.post(
        f"{PAGE}/webhook-secret", data={"csrf_token": token}, headers=HTML, follow_redirects=False
    )
    assert answer.status_code == 404
    with Session(engine) as session:
        assert session.exec(select(m.OAuthClient)).one().previous_webhook_secret == ""


def test_a_secret_from_before_the_standard_is_shown_in_its_standard_spelling(
    factory: Factory, settings: Settings, engine: Engine
) -> None:
    provider = factory.account(is_provider=True)
    listing, _, _ = _app_with_client(engine, factory, settings, provider)
    legacy = "whsec_Qm9-tZ_8rLk2vW1xYp0aN4cD6eF7gH9iJ3kL5mN_oPq"
    with Session(engine) as session:
        oauth = session.exec(select(m.OAuthClient)).one()
        oauth.webhook_secret = encrypt_secret(settings.secret_key, legacy)
        session.add(oauth)
        session.flush()
        shown = new_client_credentials(session, settings=settings, listing=listing)
        _, _, registered = register_oauth_client(
            session, settings=settings, listing=listing, redirect_uris=["https://a.example/cb"]
        )
    assert shown["webhook_secret"] == registered == standard_secret(legacy)
    assert shown["webhook_secret"] != legacy
    assert secret_key(shown["webhook_secret"]) == legacy.encode()  # the same key


def test_the_provider_api_rotates_the_secret_for_scripts(
    client: TestClient, factory: Factory, settings: Settings, engine: Engine
) -> None:
    provider = factory.account(is_provider=True)
    _, installation, old = _app_with_client(engine, factory, settings, provider)
    url = "/api/v1/provider/listings/ledger/webhook-secret"

    answer = client.post(url, headers=factory.headers(provider))

    assert answer.status_code == 200, answer.text
    new = answer.json()["webhook_secret"]
    assert new != old and standard_secret(new) == new
    with Session(engine) as session:
        inst = session.get(m.Installation, installation.id)
        assert inst is not None
        assert load_secrets(session, [inst], secret_key=settings.secret_key) == {
            inst.id: (new, old)
        }
    other = factory.account(is_provider=True)
    assert client.post(url, headers=factory.headers(other)).status_code == 404
    draft_listing(engine, provider, slug="no_client_yet")
    early = client.post(
        "/api/v1/provider/listings/no_client_yet/webhook-secret", headers=factory.headers(provider)
    )
    assert (early.status_code, early.json()["code"]) == (409, "no_client")
