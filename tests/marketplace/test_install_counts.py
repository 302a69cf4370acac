"""One install count everywhere: a listing's installations that are not removed, from one
query (marketplace.services.catalog.installs_in_use), with plural forms right in both
languages. The stored ``Listing.install_count`` (bumped on every grant, never lowered) is
not what the pages show."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

import core.models as m
from marketplace.services.catalog import MarketSort, browse_listings
from tests.marketplace import marketdata
from tests.marketplace.providerdata import PASSED_CHECKS, version_row
from tests.webtools import HTML, sign_in

PASSWORD = "counts-pass"
ZH = {**HTML, "Accept-Language": "zh-CN"}


def _installed_twice_removed_once(engine: Engine, factory: Any) -> tuple[m.Account, m.Listing]:
    provider = factory.account(password=PASSWORD, is_provider=True)
    row = marketdata.listing(engine, provider, slug="order_copier", name="Order copier")
    marketdata.installation(engine, factory.shop(), row)
    marketdata.installation(engine, factory.shop(), row, status=m.InstallationStatus.removed)
    with Session(engine) as session:  # what the grants left behind: one per install ever made
        stored = session.get(m.Listing, row.id)
        assert stored is not None
        stored.install_count = 2
        session.add(stored)
        session.commit()
    return provider, row


def _shown(text: str) -> list[str]:
    return re.findall(r"Used by \d+ shops?", text)


def test_market_provider_and_admin_show_the_same_count(
    client: TestClient, factory: Any, engine: Engine
) -> None:
    provider, row = _installed_twice_removed_once(engine, factory)
    version = version_row(engine, row, version="1.1.0", checks=PASSED_CHECKS, checks_passed=True)
    assert _shown(client.get("/market", headers=HTML).text) == ["Used by 1 shop"]
    assert _shown(client.get("/market/order_copier", headers=HTML).text) == ["Used by 1 shop"]
    sign_in(client, provider.email, PASSWORD)
    assert _shown(client.get("/provider", headers=HTML).text) == ["Used by 1 shop"]
    admin = factory.account(password=PASSWORD, is_admin=True)
    sign_in(client, admin.email, PASSWORD)
    assert _shown(client.get("/admin/listings", headers=HTML).text) == ["Used by 1 shop"]
    assert _shown(client.get(f"/admin/versions/{version.id}", headers=HTML).text) == [
        "Used by 1 shop"
    ]


def test_plural_forms_follow_the_count_in_both_languages(
    client: TestClient, factory: Any, engine: Engine
) -> None:
    _, row = _installed_twice_removed_once(engine, factory)
    marketdata.installation(engine, factory.shop(), row, status=m.InstallationStatus.paused)
    assert _shown(client.get("/market/order_copier", headers=HTML).text) == ["Used by 2 shops"]
    assert "2 家店铺在用" in client.get("/market/order_copier", headers=ZH).text


def test_the_market_sorts_by_the_same_count(factory: Any, engine: Engine) -> None:
    _installed_twice_removed_once(engine, factory)
    provider = factory.account(is_provider=True)
    used = marketdata.listing(engine, provider, slug="coupons", name="Coupons")
    marketdata.installation(engine, factory.shop(), used)
    marketdata.installation(engine, factory.shop(), used)
    with Session(engine) as session:
        page = browse_listings(session, sort=MarketSort.installs)
    assert [(c.slug, c.install_count) for c in page.listings] == [
        ("coupons", 2),
        ("order_copier", 1),
    ]
