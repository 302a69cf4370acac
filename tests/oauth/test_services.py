"""The marketplace services behind the consent screen: granting an installation and
registering a remote app's OAuth client."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import core.models as m
from core.crypto import decrypt_secret
from core.errors import InvalidInput, InvalidState, NotFound, PermissionDenied
from core.models.base import utcnow
from core.security import token_hash
from core.settings import Settings
from marketplace.oauth.adapters import aware_utc
from marketplace.services.grants import grant_installation, installable_shops
from marketplace.services.oauth_clients import client_secret_matches, register_oauth_client
from tests.conftest import Factory
from tests.oauth.conftest import REDIRECT_URI, SCOPE, make_remote_app


def _grant(
    session: Session,
    app: FastAPI,
    settings: Settings,
    account: m.Account,
    shop: m.Shop,
    listing_id: int,
    scopes: list[str] | None = None,
) -> m.Installation:
    listing = session.get(m.Listing, listing_id)
    assert listing is not None and listing.live_version_id is not None
    version = session.get(m.ListingVersion, listing.live_version_id)
    assert version is not None
    person = session.get(m.Account, account.id)
    assert person is not None and shop.id is not None
    return grant_installation(
        session,
        host=app.state.plugins,
        settings=settings,
        account=person,
        shop_id=shop.id,
        listing=listing,
        version=version,
        scopes=SCOPE.split() if scopes is None else scopes,
    )


def test_register_oauth_client_shows_secrets_once_and_stores_them_safely(
    engine: Engine, settings: Settings, factory: Factory
) -> None:
    app = make_remote_app(engine, settings, factory)
    assert app.client_id.startswith("tzc_")
    assert app.client_secret is not None and app.client_secret.startswith("tz_cs_")
    with Session(engine, expire_on_commit=False) as session:
        client = session.exec(
            select(m.OAuthClient).where(m.OAuthClient.client_id == app.client_id)
        ).one()
        assert client.client_secret_hash == token_hash(app.client_secret)
        assert app.webhook_secret not in client.webhook_secret
        assert decrypt_secret(settings.secret_key, client.webhook_secret) == app.webhook_secret
        assert client_secret_matches(client, app.client_secret)
        assert not client_secret_matches(client, app.client_secret + "x")
        # again, on a later approved version: same client, new redirect URIs, no new secret
        listing = session.get(m.Listing, app.listing.id)
        assert listing is not None
        again = register_oauth_client(
            session,
            settings=settings,
            listing=listing,
            redirect_uris=["https://app.example/cb", REDIRECT_URI],
        )
        assert again == (app.client_id, None, app.webhook_secret)
        assert client.redirect_uris == ["https://app.example/cb", REDIRECT_URI]
        assert client_secret_matches(client, app.client_secret)


@pytest.mark.parametrize(
    "uri",
    ["http://app.example/cb", "https://app.example/cb#frag", "/relative", "ftp://x.example/cb"],
)
def test_redirect_uris_must_be_https_or_loopback(
    engine: Engine, settings: Settings, factory: Factory, uri: str
) -> None:
    app = make_remote_app(engine, settings, factory)
    with Session(engine) as session:
        listing = session.get(m.Listing, app.listing.id)
        assert listing is not None
        with pytest.raises(InvalidInput) as bad:
            register_oauth_client(
                session, settings=settings, listing=listing, redirect_uris=[REDIRECT_URI, uri]
            )
    assert bad.value.field == "redirect_uris.1"


def test_grant_counts_the_first_install_only_and_starts_one_trial(
    app: FastAPI, engine: Engine, settings: Settings, factory: Factory
) -> None:
    remote = make_remote_app(
        engine,
        settings,
        factory,
        pricing_model=m.PricingModel.monthly,
        price_fen=2900,
        trial_days=14,
    )
    owner = factory.account()
    shop = factory.shop(owner)
    with Session(engine) as session:
        first = _grant(session, app, settings, owner, shop, remote.listing.id)
        session.commit()
        first_id = first.id
        first.status = m.InstallationStatus.removed
        session.add(first)
        session.commit()
        again = _grant(session, app, settings, owner, shop, remote.listing.id, ["shop:read"])
        session.commit()
        assert again.id == first_id
        assert again.status == m.InstallationStatus.enabled
        assert again.granted_scopes == ["shop:read"]
        subscriptions = session.exec(
            select(m.Subscription).where(m.Subscription.installation_id == first_id)
        ).all()
    assert factory.fetch(m.Listing, remote.listing.id).install_count == 1
    assert len(subscriptions) == 1
    trial = subscriptions[0]
    assert trial.status == m.SubscriptionStatus.trialing
    assert trial.price_fen == 2900
    assert trial.current_period_end is not None
    ends_in = aware_utc(trial.current_period_end) - utcnow()
    assert timedelta(days=13, hours=23) < ends_in <= timedelta(days=14)


def test_grant_checks_the_person_the_listing_and_the_scopes(
    app: FastAPI, engine: Engine, settings: Settings, factory: Factory
) -> None:
    remote = make_remote_app(engine, settings, factory)
    owner = factory.account()
    shop = factory.shop(owner)
    clerk = factory.member(shop, areas=["orders"])
    manager = factory.member(shop, areas=["marketplace"])
    stranger = factory.account()
    with Session(engine) as session:
        with pytest.raises(NotFound):
            _grant(session, app, settings, stranger, shop, remote.listing.id)
        with pytest.raises(PermissionDenied) as denied:
            _grant(session, app, settings, clerk, shop, remote.listing.id)
        assert denied.value.code == "missing_permission"
        with pytest.raises(InvalidInput) as wider:
            _grant(session, app, settings, owner, shop, remote.listing.id, ["orders:pii"])
        assert wider.value.field == "scopes"
        assert [s.id for s in installable_shops(session, account=manager)] == [shop.id]
        assert installable_shops(session, account=clerk) == []
        listing = session.get(m.Listing, remote.listing.id)
        assert listing is not None
        listing.status = m.ListingStatus.suspended
        session.add(listing)
        session.flush()
        with pytest.raises(InvalidState):
            _grant(session, app, settings, manager, shop, remote.listing.id)


def test_a_later_registration_keeps_the_client_kind_unless_told(
    engine: Engine, settings: Settings, factory: Factory
) -> None:
    app = make_remote_app(engine, settings, factory, slug="phone", public=True)
    assert app.client_secret is None
    with Session(engine) as session:
        listing = session.get(m.Listing, app.listing.id)
        assert listing is not None
        kept = register_oauth_client(
            session, settings=settings, listing=listing, redirect_uris=[REDIRECT_URI]
        )
        assert kept[1] is None
        client = session.exec(
            select(m.OAuthClient).where(m.OAuthClient.client_id == app.client_id)
        ).one()
        assert client.is_public
        client_id, secret, _ = register_oauth_client(
            session, settings=settings, listing=listing, redirect_uris=[REDIRECT_URI], public=False
        )
        assert client_id == app.client_id
        assert secret is not None and client_secret_matches(client, secret)
        assert not client.is_public
