"""Paid services: the trial from install, lapsing to expired, renewal through the sandbox
payment, cancellation, and what the merchant sees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import core.models as m
from core.auth import principal_from_token
from core.errors import InvalidState, PermissionDenied
from core.models.base import utcnow
from core.services.payments import PaymentFailed, PaymentResult
from marketplace.services.subscriptions import (
    PaymentDeclined,
    add_month,
    cancel_subscription,
    expire_lapsed_subscriptions,
    renew_subscription,
)
from tests.conftest import Factory
from tests.marketplace import marketdata
from tests.webtools import HTML, csrf_from, sign_in

SLUG = marketdata.FORM_PLUGIN


class RecordingPayment:
    """A payment provider that records charges, and can decline."""

    name = "recording"

    def __init__(self, *, decline: bool = False) -> None:
        self.decline = decline
        self.charges: list[dict[str, Any]] = []

    def charge(
        self, *, order_id: int, amount_fen: int, currency: str, idempotency_key: str
    ) -> PaymentResult:
        if self.decline:
            raise PaymentFailed("Card declined.")
        self.charges.append({"amount_fen": amount_fen, "key": idempotency_key})
        return PaymentResult(payment_ref=f"ref-{len(self.charges)}", provider=self.name)

    def refund(self, *, payment_ref: str, amount_fen: int, currency: str) -> str:
        return "refund"


@pytest.fixture
def paid_install(
    app: FastAPI, client: TestClient, engine: Engine, factory: Factory
) -> tuple[m.Account, m.Shop, m.Installation]:
    """An owner installs a ¥19.90/month service through the consent screen."""
    app.state.plugins = marketdata.form_host()
    provider = factory.account(is_provider=True)
    marketdata.listing(
        engine,
        provider,
        slug=SLUG,
        name="Label printer",
        pricing_model=m.PricingModel.monthly,
        price_fen=1990,
        trial_days=7,
        scopes=[{"scope": "orders:read", "reason": "to print paid orders' labels"}],
    )
    owner = factory.account()
    shop = factory.shop(owner, name="Tea House")
    sign_in(client, owner.email, "secret-pass")
    consent = client.get(f"/market/{SLUG}/install", headers=HTML)
    done = client.post(
        f"/market/{SLUG}/install",
        data={"csrf_token": csrf_from(consent.text), "shop_id": shop.id, "decision": "approve"},
        headers=HTML,
        follow_redirects=False,
    )
    assert done.status_code == 303
    with Session(engine) as session:
        installation = session.exec(
            select(m.Installation).where(m.Installation.shop_id == shop.id)
        ).one()
    return owner, shop, installation


def _subscription(engine: Engine, installation: m.Installation) -> m.Subscription:
    with Session(engine) as session:
        return session.exec(
            select(m.Subscription).where(m.Subscription.installation_id == installation.id)
        ).one()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _lapse(engine: Engine, installation: m.Installation) -> None:
    """Move the period's end into the past, as time passing would."""
    with Session(engine) as session:
        sub = session.exec(
            select(m.Subscription).where(m.Subscription.installation_id == installation.id)
        ).one()
        sub.current_period_end = utcnow() - timedelta(minutes=1)
        session.add(sub)
        session.commit()


def test_a_trial_lapses_to_expired_and_a_renewal_restores_access(
    client: TestClient, engine: Engine, factory: Factory, paid_install: Any
) -> None:
    owner, shop, installation = paid_install
    sub = _subscription(engine, installation)
    assert sub.status == m.SubscriptionStatus.trialing
    trial_end = _aware(sub.current_period_end)
    assert timedelta(days=6, hours=23) < trial_end - utcnow() <= timedelta(days=7)
    url = f"/console/shops/{shop.id}/apps/{SLUG}"
    page = client.get(url, headers=HTML).text
    assert "Free trial" in page and trial_end.strftime("%Y-%m-%d") in page
    assert "Renew for ¥19.90 a month" in page

    token = factory.token(
        owner, kind="oauth", installation_id=installation.id, shop_id=shop.id, scopes=[]
    )
    _lapse(engine, installation)
    with Session(engine) as session:
        assert expire_lapsed_subscriptions(session) == 1
        session.commit()
        assert expire_lapsed_subscriptions(session) == 0  # idempotent
        with pytest.raises(PermissionDenied) as refused:
            principal_from_token(session, token)
        assert refused.value.code == "subscription_expired"
    assert _subscription(engine, installation).status == m.SubscriptionStatus.expired
    page = client.get(url, headers=HTML).text
    assert "Subscription expired" in page and "has stopped in your shop" in page

    renewed = client.post(
        f"{url}/renew", data={"csrf_token": csrf_from(page)}, headers=HTML, follow_redirects=False
    )
    assert renewed.status_code == 303
    sub = _subscription(engine, installation)
    assert sub.status == m.SubscriptionStatus.active
    end = _aware(sub.current_period_end)
    assert timedelta(days=27) < end - utcnow() <= timedelta(days=31)  # a month from now
    with Session(engine) as session:
        assert principal_from_token(session, token).installation_id == installation.id
    page = client.get(url, headers=HTML).text
    assert "Renewed: paid until" in page and "Paid" in page


def test_the_pages_show_a_lapsed_period_as_expired_before_any_job_ran(
    client: TestClient, engine: Engine, paid_install: Any
) -> None:
    _, shop, installation = paid_install
    _lapse(engine, installation)
    listed = client.get(f"/console/shops/{shop.id}/apps", headers=HTML).text
    assert "Subscription expired" in listed
    assert f'action="/console/shops/{shop.id}/apps/{SLUG}/renew"' in listed
    assert _subscription(engine, installation).status == m.SubscriptionStatus.expired


def test_renewing_ahead_adds_a_month_to_the_paid_period(engine: Engine, paid_install: Any) -> None:
    _, _, installation = paid_install
    payment = RecordingPayment()
    trial_end = _aware(_subscription(engine, installation).current_period_end)
    with Session(engine) as session:
        row = session.get(m.Installation, installation.id)
        assert row is not None
        renewed = renew_subscription(session, installation=row, payment=payment)
        session.commit()
        assert _aware(renewed.current_period_end) == add_month(trial_end)
    assert payment.charges[0]["amount_fen"] == 1990


def test_a_declined_payment_changes_nothing(engine: Engine, paid_install: Any) -> None:
    _, _, installation = paid_install
    _lapse(engine, installation)
    with Session(engine) as session:
        expire_lapsed_subscriptions(session)
        session.commit()
        row = session.get(m.Installation, installation.id)
        assert row is not None
        with pytest.raises(PaymentDeclined):
            renew_subscription(session, installation=row, payment=RecordingPayment(decline=True))
        session.rollback()
    assert _subscription(engine, installation).status == m.SubscriptionStatus.expired


def test_cancelling_keeps_access_to_the_end_of_the_period(
    client: TestClient, engine: Engine, factory: Factory, paid_install: Any
) -> None:
    owner, shop, installation = paid_install
    token = factory.token(
        owner, kind="oauth", installation_id=installation.id, shop_id=shop.id, scopes=[]
    )
    url = f"/console/shops/{shop.id}/apps/{SLUG}"
    page = client.get(url, headers=HTML).text
    done = client.post(
        f"{url}/cancel", data={"csrf_token": csrf_from(page)}, headers=HTML, follow_redirects=False
    )
    assert done.status_code == 303
    assert _subscription(engine, installation).status == m.SubscriptionStatus.canceled
    page = client.get(url, headers=HTML).text
    assert "Cancelled" in page and "/cancel" not in page
    with Session(engine) as session:
        assert principal_from_token(session, token).installation_id == installation.id
    _lapse(engine, installation)
    page = client.get(url, headers=HTML).text
    assert "Cancelled" in page and "ended " in page and "has stopped in your shop" in page
    with Session(engine) as session:
        with pytest.raises(PermissionDenied):
            principal_from_token(session, token)
        row = session.get(m.Installation, installation.id)
        assert row is not None
        with pytest.raises(InvalidState):
            cancel_subscription(session, installation=row)


def test_free_services_have_no_subscription(
    client: TestClient, engine: Engine, factory: Factory
) -> None:
    provider = factory.account(is_provider=True)
    row = marketdata.listing(engine, provider, slug="free_one")
    owner = factory.account()
    shop = factory.shop(owner)
    marketdata.installation(engine, shop, row)
    sign_in(client, owner.email, "secret-pass")
    page = client.get(f"/console/shops/{shop.id}/apps/free_one", headers=HTML).text
    assert "/renew" not in page
    renew = client.post(
        f"/console/shops/{shop.id}/apps/free_one/renew",
        data={"csrf_token": csrf_from(page)},
        headers=HTML,
    )
    assert renew.status_code == 404


def test_add_month_keeps_the_day_or_clamps_it() -> None:
    assert add_month(datetime(2026, 1, 31, 9, tzinfo=UTC)) == datetime(2026, 2, 28, 9, tzinfo=UTC)
    assert add_month(datetime(2026, 12, 15, tzinfo=UTC)) == datetime(2027, 1, 15, tzinfo=UTC)
