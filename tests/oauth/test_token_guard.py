"""The one guard also judges a service's token by its installation, listing and
subscription, in the same single query that finds the token."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import core.models as m
from core.auth import principal_from_token
from core.errors import PermissionDenied, Unauthenticated
from core.models.base import utcnow
from core.settings import Settings
from marketplace.oauth.tokens import new_access_token, new_refresh_token, store_token_pair
from marketplace.services.grants import grant_installation
from tests.conftest import Factory
from tests.oauth.conftest import SCOPE, Merchant, RemoteApp, make_remote_app


def _install(
    app: FastAPI, engine: Engine, settings: Settings, merchant: Merchant, remote: RemoteApp
) -> tuple[int, str]:
    """Grant the remote app to the merchant's shop and issue a token as the server does."""
    with Session(engine, expire_on_commit=False) as session:
        account = session.get(m.Account, merchant.account.id)
        listing = session.get(m.Listing, remote.listing.id)
        version = session.get(m.ListingVersion, remote.version.id)
        assert account and listing and version
        installation = grant_installation(
            session,
            host=app.state.plugins,
            settings=settings,
            account=account,
            shop_id=merchant.shop.id,
            listing=listing,
            version=version,
            scopes=SCOPE.split(),
        )
        token: dict[str, Any] = {
            "access_token": new_access_token(),
            "refresh_token": new_refresh_token(),
            "scope": SCOPE,
        }
        store_token_pair(
            session, token=token, installation=installation, client_id=remote.client_id
        )
        session.commit()
        assert installation.id is not None
        return installation.id, token["access_token"]


def _change(engine: Engine, model: type[Any], row_id: int, **values: Any) -> None:
    with Session(engine) as session:
        row = session.get(model, row_id)
        for key, value in values.items():
            setattr(row, key, value)
        session.add(row)
        session.commit()


@pytest.fixture
def paid_app(engine: Engine, settings: Settings, factory: Factory) -> RemoteApp:
    return make_remote_app(
        engine,
        settings,
        factory,
        slug="paid-app",
        pricing_model=m.PricingModel.monthly,
        price_fen=2900,
        trial_days=14,
    )


def _shop_get(client: TestClient, merchant: Merchant, raw: str) -> Any:
    return client.get(
        f"/api/v1/shops/{merchant.shop.id}", headers={"Authorization": f"Bearer {raw}"}
    )


def test_a_suspended_listing_stops_its_tokens(
    app: FastAPI,
    client: TestClient,
    engine: Engine,
    settings: Settings,
    merchant: Merchant,
    remote_app: RemoteApp,
) -> None:
    _, raw = _install(app, engine, settings, merchant, remote_app)
    assert _shop_get(client, merchant, raw).status_code == 200
    _change(engine, m.Listing, remote_app.listing.id, status=m.ListingStatus.suspended)
    refused = _shop_get(client, merchant, raw)
    assert refused.status_code == 403
    assert refused.json()["code"] == "listing_suspended"
    _change(engine, m.Listing, remote_app.listing.id, status=m.ListingStatus.live)
    assert _shop_get(client, merchant, raw).status_code == 200


def test_a_paid_listing_works_in_its_trial_and_stops_when_the_subscription_lapses(
    app: FastAPI,
    client: TestClient,
    engine: Engine,
    settings: Settings,
    merchant: Merchant,
    paid_app: RemoteApp,
    factory: Factory,
) -> None:
    installation_id, raw = _install(app, engine, settings, merchant, paid_app)
    with Session(engine) as session:
        subscription = session.exec(
            select(m.Subscription).where(m.Subscription.installation_id == installation_id)
        ).one()
    assert subscription.status == m.SubscriptionStatus.trialing
    assert _shop_get(client, merchant, raw).status_code == 200

    # the trial ran out with no renewal
    _change(engine, m.Subscription, subscription.id, current_period_end=utcnow() - timedelta(1))
    refused = _shop_get(client, merchant, raw)
    assert refused.status_code == 403
    assert refused.json()["code"] == "subscription_expired"
    assert "subscription" in refused.json()["detail"].lower()
    assert "expired" in refused.json()["detail"].lower()

    # renewed, then marked expired by billing
    _change(
        engine,
        m.Subscription,
        subscription.id,
        status=m.SubscriptionStatus.active,
        current_period_end=utcnow() + timedelta(days=30),
    )
    assert _shop_get(client, merchant, raw).status_code == 200
    _change(engine, m.Subscription, subscription.id, status=m.SubscriptionStatus.expired)
    assert _shop_get(client, merchant, raw).json()["code"] == "subscription_expired"


def test_paused_and_removed_installations_stop_their_tokens(
    app: FastAPI,
    client: TestClient,
    engine: Engine,
    settings: Settings,
    merchant: Merchant,
    remote_app: RemoteApp,
) -> None:
    installation_id, raw = _install(app, engine, settings, merchant, remote_app)
    _change(engine, m.Installation, installation_id, status=m.InstallationStatus.paused)
    paused = _shop_get(client, merchant, raw)
    assert paused.status_code == 403
    assert paused.json()["code"] == "installation_paused"

    # removed: the token works through the cleanup window, then stops
    _change(
        engine,
        m.Installation,
        installation_id,
        status=m.InstallationStatus.removed,
        cleanup_until=utcnow() + timedelta(hours=1),
    )
    assert _shop_get(client, merchant, raw).status_code == 200
    _change(engine, m.Installation, installation_id, cleanup_until=utcnow() - timedelta(seconds=1))
    removed = _shop_get(client, merchant, raw)
    assert removed.status_code == 401
    assert removed.json()["code"] == "installation_removed"


def test_the_token_lookup_is_one_query(
    app: FastAPI, engine: Engine, settings: Settings, merchant: Merchant, paid_app: RemoteApp
) -> None:
    _, raw = _install(app, engine, settings, merchant, paid_app)
    statements: list[str] = []

    def count(*args: Any) -> None:
        if args[2].lstrip().upper().startswith("SELECT"):
            statements.append(args[2])

    with Session(engine) as session:
        event.listen(engine, "before_cursor_execute", count)
        try:
            principal = principal_from_token(session, raw)
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1
    assert principal.kind == "oauth"
    assert principal.shop_id == merchant.shop.id
    assert principal.scopes == frozenset(SCOPE.split())


def test_the_guard_refuses_in_process_as_well(
    app: FastAPI, engine: Engine, settings: Settings, merchant: Merchant, remote_app: RemoteApp
) -> None:
    installation_id, raw = _install(app, engine, settings, merchant, remote_app)
    _change(engine, m.Listing, remote_app.listing.id, status=m.ListingStatus.suspended)
    with Session(engine) as session, pytest.raises(PermissionDenied):
        principal_from_token(session, raw)
    _change(engine, m.Listing, remote_app.listing.id, status=m.ListingStatus.live)
    _change(
        engine,
        m.Installation,
        installation_id,
        status=m.InstallationStatus.removed,
        cleanup_until=None,
    )
    with Session(engine) as session, pytest.raises(Unauthenticated):
        principal_from_token(session, raw)
