"""Buyer pages plugins add (``PluginRoute(audience="buyer")``) at ``/s/<shop>/apps/<plugin>``,
shown with the coupons plugin: served only where the plugin is enabled, linked from the
storefront, open to anyone for a GET, CSRF-checked and signed-in for a POST (the handler
gets the buyer's id), and kept apart from the merchant's plugin pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

import core.models as m
from core.plugins.installations import enable_plugin
from core.settings import Settings
from tests.conftest import Factory
from tests.webtools import HTML, csrf_from, sign_in

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The host's own plugins.toml (it loads coupons)."""
    return settings.model_copy(update={"plugins_file": ROOT / "plugins.toml"})


def _coupon_shop(app: FastAPI, factory: Factory, client: TestClient) -> tuple[m.Shop, m.Account]:
    """A shop with coupons enabled and one coupon made on the merchant's page."""
    owner = factory.account()
    shop = factory.shop(owner)
    with Session(app.state.engine) as session:
        enable_plugin(
            session,
            host=app.state.plugins,
            shop_id=shop.id,
            plugin_id="coupons",
            granted_scopes=["orders:read", "orders:write"],
        )
        session.commit()
    sign_in(client, owner.email, "secret-pass")
    page = client.get(f"/apps/coupons/shops/{shop.id}", headers=HTML)
    made = client.post(
        f"/apps/coupons/shops/{shop.id}/coupons",
        data={
            "csrf_token": csrf_from(page.text),
            "title": "Tea 5",
            "value": "5",
            "quantity": "2",
            "code": "TEA5",
        },
        headers=HTML,
    )
    assert made.status_code == 200 and "Coupon TEA5 created." in made.text
    client.cookies.clear()
    return shop, owner


def test_a_buyer_page_is_served_and_linked_only_where_the_plugin_is_enabled(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    bare = factory.shop()
    assert client.get(f"/s/{bare.id}/apps/coupons", headers=HTML).status_code == 404
    assert "/apps/coupons" not in client.get(f"/s/{bare.id}", headers=HTML).text
    shop, _ = _coupon_shop(app, factory, client)
    storefront = client.get(f"/s/{shop.id}", headers=HTML).text
    assert f'href="/s/{shop.id}/apps/coupons"' in storefront
    page = client.get(f"/s/{shop.id}/apps/coupons", headers=HTML)  # nobody signed in
    assert page.status_code == 200 and "TEA5" in page.text and "Sign in to claim" in page.text
    # the merchant's pages are not buyer pages, and the other way round
    assert client.get(f"/s/{shop.id}/apps/coupons/report", headers=HTML).status_code == 404
    buyer = factory.account()
    sign_in(client, buyer.email, "secret-pass")
    token = csrf_from(client.get(f"/s/{shop.id}/apps/coupons", headers=HTML).text)
    at_console = client.post(
        f"/apps/coupons/shops/{shop.id}/claim/TEA5", data={"csrf_token": token}, headers=HTML
    )
    assert at_console.status_code == 404  # not a member, and no such merchant page


def test_a_buyer_post_needs_sign_in_and_csrf_and_the_handler_gets_the_buyer(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    shop, _ = _coupon_shop(app, factory, client)
    claim = f"/s/{shop.id}/apps/coupons/claim/TEA5"
    anonymous = client.post(claim, headers=HTML, follow_redirects=False)
    assert anonymous.status_code in (303, 401, 403)
    buyer = factory.account()
    sign_in(client, buyer.email, "secret-pass")
    assert client.post(claim, data={}, headers=HTML).status_code == 403  # no CSRF token
    token = csrf_from(client.get(f"/s/{shop.id}/apps/coupons", headers=HTML).text)
    claimed = client.post(claim, data={"csrf_token": token}, headers=HTML)
    assert claimed.status_code == 200 and "Claimed: use code TEA5 at checkout." in claimed.text
    again = client.post(claim, data={"csrf_token": token}, headers=HTML)
    assert "You already hold as many" in again.text
    with Session(app.state.engine) as session:
        keys = session.exec(
            select(m.PluginRecord.key).where(m.PluginRecord.collection == "holdings")
        ).all()
    assert keys == [f"TEA5:{buyer.id}"]
