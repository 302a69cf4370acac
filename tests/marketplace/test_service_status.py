"""A service that does not run is not shown as running: a suspended listing says "Suspended by
the platform", a lapsed subscription "Lapsed", on the app page, the services list and
``GET /shops/{id}/installations`` alike (one status function, core.plugins.service_status)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

import core.models as m
from tests.conftest import Factory
from tests.marketplace import marketdata
from tests.webtools import HTML, sign_in

ZH = {**HTML, "Accept-Language": "zh-CN"}


@pytest.fixture
def stopped_services(
    app: FastAPI, client: TestClient, engine: Engine, factory: Factory
) -> tuple[m.Account, m.Shop]:
    """A shop with a running service, one whose listing is suspended and one whose trial
    ended; its owner is signed in."""
    app.state.plugins = marketdata.form_host()
    provider = factory.account(is_provider=True)
    running = marketdata.listing(engine, provider, slug=marketdata.FORM_PLUGIN, name="Printer")
    suspended = marketdata.listing(
        engine,
        provider,
        slug="popup_promo",
        name="Popup promo",
        status=m.ListingStatus.suspended,
        status_reason="asks buyers for their phone numbers",
    )
    paid = marketdata.listing(
        engine, provider, slug="coupons", name="Coupons", pricing_model="monthly", price_fen=990
    )
    owner = factory.account()
    shop = factory.shop(owner, name="Tea House")
    marketdata.installation(engine, shop, running)
    marketdata.installation(engine, shop, suspended)
    marketdata.installation(engine, shop, paid, trial_ends_in=-timedelta(hours=1))
    sign_in(client, owner.email, "secret-pass")
    return owner, shop


def _rows(page: str) -> dict[str, str]:
    return dict(re.findall(r'<tr data-slug="([^"]+)">(.*?)</tr>', page, re.S))


def _badge(page: str) -> str:
    found = re.search(r'id="install-status">([^<]*)<', page)
    assert found is not None
    return found.group(1)


def test_the_services_list_says_suspended_and_lapsed(
    client: TestClient, stopped_services: Any
) -> None:
    _, shop = stopped_services
    rows = _rows(client.get(f"/console/shops/{shop.id}/apps", headers=HTML).text)
    assert "Running" in rows[marketdata.FORM_PLUGIN]
    assert "Suspended by the platform" in rows["popup_promo"]
    assert "Running" not in rows["popup_promo"]
    assert "it cannot reach your shop's data" in rows["popup_promo"]
    assert "Lapsed" in rows["coupons"] and "Running" not in rows["coupons"]
    zh = _rows(client.get(f"/console/shops/{shop.id}/apps", headers=ZH).text)
    assert "已被平台暂停" in zh["popup_promo"]
    assert "已过期停用" in zh["coupons"]


def test_the_app_page_says_what_a_suspension_means_for_the_shop(
    client: TestClient, stopped_services: Any
) -> None:
    _, shop = stopped_services
    page = client.get(f"/console/shops/{shop.id}/apps/popup_promo", headers=HTML).text
    assert _badge(page) == "Suspended by the platform"
    assert "A platform admin suspended this service." in page
    lapsed = client.get(f"/console/shops/{shop.id}/apps/coupons", headers=HTML).text
    assert _badge(lapsed) == "Lapsed"
    running = client.get(f"/console/shops/{shop.id}/apps/{marketdata.FORM_PLUGIN}", headers=HTML)
    assert _badge(running.text) == "Running"


def test_the_installations_api_gives_the_same_status(
    client: TestClient, factory: Factory, stopped_services: Any
) -> None:
    owner, shop = stopped_services
    listed = client.get(f"/api/v1/shops/{shop.id}/installations", headers=factory.headers(owner))
    assert listed.status_code == 200
    body = {item["plugin_id"]: item for item in listed.json()["items"]}
    assert {k: v["service_status"] for k, v in body.items()} == {
        marketdata.FORM_PLUGIN: "running",
        "popup_promo": "suspended",
        "coupons": "lapsed",
    }
    assert body["popup_promo"]["status"] == "enabled"  # the merchant's own choice is kept
    assert body["popup_promo"]["service_status_detail"].startswith("Suspended by the platform")
    one = client.get(
        f"/api/v1/shops/{shop.id}/installations/coupons", headers=factory.headers(owner)
    )
    assert one.json()["service_status"] == "lapsed"
