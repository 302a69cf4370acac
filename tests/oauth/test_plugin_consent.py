"""The same consent screen installs an in-process plugin: no client, no code; approving
enables it with the scopes shown and opens its page in the console."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

import core.models as m
from tests.conftest import Factory
from tests.oauth.conftest import hidden_fields
from tests.webtools import HTML, csrf_from, sign_in

PLUGIN = "shipping_insurance"  # loaded by plugins.toml
REASONS = [
    {"scope": "orders:read", "reason": "To insure each paid order"},
    {"scope": "aftersales:read", "reason": "To pay out on returns"},
]


def _listing(engine: Engine, factory: Factory, **fields: object) -> m.Listing:
    provider = factory.account(is_provider=True, name="Tanzi Insurance")
    with Session(engine, expire_on_commit=False) as session:
        listing = m.Listing(
            slug=PLUGIN,
            provider_id=provider.id,
            name="Shipping insurance",
            **{"status": m.ListingStatus.live, **fields},
        )
        session.add(listing)
        session.flush()
        version = m.ListingVersion(
            listing_id=listing.id,
            version="1.0.0",
            kind="plugin",
            plugin_id=PLUGIN,
            scopes=REASONS,
            status=m.VersionStatus.approved,
        )
        session.add(version)
        session.flush()
        listing.live_version_id = version.id
        session.add(listing)
        session.commit()
    return listing


@pytest.fixture
def owner(client: TestClient, factory: Factory) -> tuple[m.Account, m.Shop]:
    account = factory.account()
    shop = factory.shop(account, name="Tea House")
    sign_in(client, account.email, "secret-pass")
    return account, shop


def test_approving_enables_the_plugin_and_opens_its_console_page(
    client: TestClient, engine: Engine, factory: Factory, owner: tuple[m.Account, m.Shop]
) -> None:
    _, shop = owner
    listing = _listing(engine, factory)
    page = client.get(f"/market/{PLUGIN}/install", headers=HTML)
    assert page.status_code == 200
    assert "Install Shipping insurance" in page.text
    assert "See refund, return and exchange requests" in page.text
    assert "To pay out on returns" in page.text
    assert hidden_fields(page.text).keys() == {"csrf_token"}
    response = client.post(
        f"/market/{PLUGIN}/install",
        data={"csrf_token": csrf_from(page.text), "shop_id": shop.id, "decision": "approve"},
        headers=HTML,
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/console/shops/{shop.id}/apps/{PLUGIN}"
    with Session(engine) as session:
        from core.plugins.installations import get_installation

        installation = get_installation(session, shop_id=shop.id, plugin_id=PLUGIN)
        assert installation is not None
        assert installation.status == m.InstallationStatus.enabled
        assert installation.kind == "plugin"
        assert installation.listing_id == listing.id
        assert installation.granted_scopes == ["aftersales:read", "orders:read"]
    assert factory.fetch(m.Listing, listing.id).install_count == 1


def test_a_paid_plugin_shows_its_price_and_trial(
    client: TestClient, engine: Engine, factory: Factory, owner: tuple[m.Account, m.Shop]
) -> None:
    _listing(engine, factory, pricing_model=m.PricingModel.monthly, price_fen=1990, trial_days=7)
    page = client.get(f"/market/{PLUGIN}/install", headers=HTML)
    assert "¥19.90 a month" in page.text
    assert "Free for the first 7 days" in page.text


def test_the_page_speaks_chinese_to_a_chinese_browser(
    client: TestClient, engine: Engine, factory: Factory, owner: tuple[m.Account, m.Shop]
) -> None:
    _listing(engine, factory)
    page = client.get(
        f"/market/{PLUGIN}/install", headers={**HTML, "accept-language": "zh-CN,zh;q=0.9"}
    )
    assert "安装" in page.text
    assert "查看退款、退货和换货申请" in page.text  # aftersales:read in plain words


def test_deny_goes_back_to_the_listing_and_installs_nothing(
    client: TestClient, engine: Engine, factory: Factory, owner: tuple[m.Account, m.Shop]
) -> None:
    _, shop = owner
    listing = _listing(engine, factory)
    page = client.get(f"/market/{PLUGIN}/install", headers=HTML)
    response = client.post(
        f"/market/{PLUGIN}/install",
        data={"csrf_token": csrf_from(page.text), "shop_id": shop.id, "decision": "deny"},
        headers=HTML,
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/market/{PLUGIN}"
    assert factory.fetch(m.Listing, listing.id).install_count == 0


def test_the_install_form_needs_its_csrf_token(
    client: TestClient, engine: Engine, factory: Factory, owner: tuple[m.Account, m.Shop]
) -> None:
    _, shop = owner
    listing = _listing(engine, factory)
    response = client.post(
        f"/market/{PLUGIN}/install",
        data={"shop_id": shop.id, "decision": "approve"},
        headers=HTML,
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert factory.fetch(m.Listing, listing.id).install_count == 0


def test_a_missing_or_suspended_listing_is_not_found(
    client: TestClient, engine: Engine, factory: Factory, owner: tuple[m.Account, m.Shop]
) -> None:
    assert client.get("/market/nothing/install", headers=HTML).status_code == 404
    listing = _listing(engine, factory, status=m.ListingStatus.suspended)
    assert listing.status == m.ListingStatus.suspended
    assert client.get(f"/market/{PLUGIN}/install", headers=HTML).status_code == 404
