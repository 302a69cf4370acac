"""A shop's installed services in the console: the list, the generated settings form, pause,
resume, uninstall with its cleanup window, re-consent, and who may change anything."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import core.models as m
from core.auth import principal_from_token
from core.errors import Unauthenticated
from core.models.base import utcnow
from core.settings import Settings
from tests.conftest import Factory
from tests.marketplace import marketdata
from tests.webtools import HTML, csrf_from, sign_in

SLUG = marketdata.FORM_PLUGIN


@pytest.fixture
def shop_with_app(
    app: FastAPI, client: TestClient, engine: Engine, factory: Factory
) -> tuple[m.Account, m.Shop, m.Installation]:
    """A signed-in owner whose shop runs the label printer (from a host that loaded it)."""
    app.state.plugins = marketdata.form_host()
    provider = factory.account(is_provider=True)
    row = marketdata.listing(
        engine,
        provider,
        slug=SLUG,
        name="Label printer",
        scopes=[{"scope": "orders:read", "reason": "to print paid orders' labels"}],
    )
    owner = factory.account()
    shop = factory.shop(owner, name="Tea House")
    installation = marketdata.installation(
        engine, shop, row, scopes=["orders:read"], settings={"copies": 2}
    )
    sign_in(client, owner.email, "secret-pass")
    return owner, shop, installation


def _post(client: TestClient, page_url: str, action: str, **data: Any) -> Any:
    page = client.get(page_url, headers=HTML)
    return client.post(
        action,
        data={"csrf_token": csrf_from(page.text), **data},
        headers=HTML,
        follow_redirects=False,
    )


def _app_url(shop: m.Shop) -> str:
    return f"/console/shops/{shop.id}/apps/{SLUG}"


def test_the_list_shows_status_version_scopes_and_subscription(
    client: TestClient, engine: Engine, factory: Factory, shop_with_app: Any
) -> None:
    _, shop, _ = shop_with_app
    provider = factory.account(is_provider=True)
    paid = marketdata.listing(
        engine, provider, slug="coupons", name="Coupons", pricing_model="monthly", price_fen=990
    )
    marketdata.installation(
        engine,
        shop,
        paid,
        scopes=["products:read"],
        status=m.InstallationStatus.paused,
        trial_ends_in=timedelta(days=3),
    )
    gone = marketdata.listing(engine, provider, slug="gone", name="Gone for good")
    marketdata.installation(
        engine,
        shop,
        gone,
        status=m.InstallationStatus.removed,
        cleanup_until=utcnow() - timedelta(minutes=1),
    )
    page = client.get(f"/console/shops/{shop.id}/apps", headers=HTML)
    assert page.status_code == 200
    rows = dict(re.findall(r'<tr data-slug="([^"]+)">(.*?)</tr>', page.text, re.S))
    assert set(rows) == {SLUG, "coupons"}  # removed and past its cleanup: not listed
    assert "Running" in rows[SLUG] and "1.0.0" in rows[SLUG]
    assert "See your orders (without buyers&#39; names, phones or addresses)" in rows[SLUG]
    assert "Free" in rows[SLUG]
    assert "Paused" in rows["coupons"] and "Free trial" in rows["coupons"]
    assert "See your products, SKUs and stock" in rows["coupons"]


def test_the_settings_form_is_generated_from_the_plugins_model(
    client: TestClient, shop_with_app: Any
) -> None:
    _, shop, _ = shop_with_app
    page = client.get(_app_url(shop), headers=HTML).text
    # int with bounds, stored value shown
    assert re.search(r'<input type="number" name="copies" value="2"\s+min="1" max="5"', page)
    # float with bounds and any step, default shown
    assert re.search(r'name="margin_mm" value="2.5"\s+min="0" max="10" step="any"', page)
    # str with its length, default shown
    assert re.search(r'<input type="text" name="header" value="Thanks!"\s+maxlength="20"', page)
    assert '<input type="checkbox" name="auto_print" checked>' in page
    assert '<option value="a6" selected>a6</option>' in page
    assert '<option value="a4" >a4</option>' in page
    assert "Labels printed per parcel" in page  # descriptions explain the fields


def test_invalid_settings_re_render_with_each_fields_error(
    client: TestClient, factory: Factory, shop_with_app: Any
) -> None:
    _, shop, installation = shop_with_app
    response = _post(
        client,
        _app_url(shop),
        f"{_app_url(shop)}/settings",
        copies="9",
        margin_mm="wide",
        header="x" * 30,
        paper="a5",
    )
    assert response.status_code == 400
    errors = dict(re.findall(r'id="error-([a-z_]+)" role="alert">([^<]+)<', response.text))
    assert set(errors) == {"copies", "margin_mm", "header", "paper"}
    assert "less than or equal to 5" in errors["copies"]
    assert errors["copies"].startswith("Copies:")
    assert "valid number" in errors["margin_mm"]
    assert 'name="copies" value="9"' in response.text  # what was typed stays
    assert factory.fetch(m.Installation, installation.id).settings == {"copies": 2}


def test_valid_settings_are_saved_as_the_model_dumps_them(
    client: TestClient, factory: Factory, shop_with_app: Any
) -> None:
    _, shop, installation = shop_with_app
    response = _post(
        client,
        _app_url(shop),
        f"{_app_url(shop)}/settings",
        copies="3",
        margin_mm="0.5",
        header="Hello",
        paper="a4",
    )  # auto_print unchecked
    assert response.status_code == 303
    assert factory.fetch(m.Installation, installation.id).settings == {
        "copies": 3,
        "paper": "a4",
        "header": "Hello",
        "auto_print": False,
        "margin_mm": 0.5,
    }
    assert "Settings saved." in client.get(_app_url(shop), headers=HTML).text


def test_the_models_own_checks_are_shown_next_to_their_field(
    client: TestClient, engine: Engine, factory: Factory
) -> None:
    """The real shipping-insurance plugin (loaded by plugins.toml): max below min."""
    provider = factory.account(is_provider=True)
    row = marketdata.listing(engine, provider, slug="shipping_insurance")
    owner = factory.account()
    shop = factory.shop(owner)
    marketdata.installation(engine, shop, row, scopes=["orders:read"])
    sign_in(client, owner.email, "secret-pass")
    url = f"/console/shops/{shop.id}/apps/shipping_insurance"
    response = _post(
        client,
        url,
        f"{url}/settings",
        premium_rate_bp="100",
        min_premium_fen="3.00",
        max_premium_fen="2.00",
        claim_amount_fen="12.00",
    )
    assert response.status_code == 400
    assert "Highest premium: must be at least the lowest premium" in response.text
    assert 'id="error-max_premium_fen"' in response.text


def test_pause_resume_and_uninstall_with_a_cleanup_window(
    client: TestClient,
    engine: Engine,
    factory: Factory,
    settings: Settings,
    shop_with_app: Any,
) -> None:
    owner, shop, installation = shop_with_app
    token = factory.token(
        owner,
        kind="oauth",
        installation_id=installation.id,
        shop_id=shop.id,
        scopes=["orders:read"],
    )
    url = _app_url(shop)
    assert _post(client, url, f"{url}/pause").status_code == 303
    assert factory.fetch(m.Installation, installation.id).status == m.InstallationStatus.paused
    assert 'id="install-status">Paused<' in client.get(url, headers=HTML).text
    assert _post(client, url, f"{url}/resume").status_code == 303
    assert factory.fetch(m.Installation, installation.id).status == m.InstallationStatus.enabled

    before = utcnow()
    response = _post(client, url, f"{url}/uninstall")
    assert response.status_code == 303
    assert response.headers["location"] == f"/console/shops/{shop.id}/apps"
    row = factory.fetch(m.Installation, installation.id)
    assert row.status == m.InstallationStatus.removed
    until = row.cleanup_until.replace(tzinfo=before.tzinfo)
    window = timedelta(seconds=settings.uninstall_cleanup_s)
    assert before + window <= until <= utcnow() + window
    assert [e.name for e in factory.events("installation", installation.id)][-1] == (
        "installation_removed"
    )
    listed = client.get(f"/console/shops/{shop.id}/apps", headers=HTML).text
    assert "cleaning up until" in listed
    page = client.get(url, headers=HTML).text
    assert "may still tidy up" in page and "/uninstall" not in page
    with Session(engine) as session:
        # the service can still clean up...
        assert principal_from_token(session, token).installation_id == installation.id
        row = session.get(m.Installation, installation.id)
        assert row is not None
        row.cleanup_until = utcnow() - timedelta(seconds=1)
        session.add(row)
        session.commit()
        # ...and not after the window
        with pytest.raises(Unauthenticated):
            principal_from_token(session, token)
    again = _post(client, url, f"{url}/uninstall")
    assert again.status_code == 409


def test_a_newer_version_waits_for_re_consent(
    client: TestClient, engine: Engine, factory: Factory, shop_with_app: Any
) -> None:
    _, shop, installation = shop_with_app
    with Session(engine) as session:
        row = session.get(m.Installation, installation.id)
        assert row is not None
        row.pending_version = "1.1.0"
        row.pending_scopes = ["orders:read", "orders:pii"]
        session.add(row)
        session.commit()
    url = _app_url(shop)
    page = client.get(url, headers=HTML).text
    section = page[page.index('class="card reconsent"') :]
    assert "Version 1.1.0 asks for more" in section
    added = re.search(r'<ul class="scopes added-scopes">(.*?)</ul>', section, re.S)
    assert added is not None
    assert "See buyers&#39; names, phone numbers and addresses on orders" in added.group(1)
    assert "See your orders" not in added.group(1)  # already granted: not asked again
    # the old version keeps running with the old grant until approved
    row = factory.fetch(m.Installation, installation.id)
    assert (row.version, row.granted_scopes) == ("1.0.0", ["orders:read"])
    listed = client.get(f"/console/shops/{shop.id}/apps", headers=HTML).text
    assert "Update waiting for approval" in listed

    assert _post(client, url, f"{url}/approve").status_code == 303
    row = factory.fetch(m.Installation, installation.id)
    assert row.version == "1.1.0"
    assert row.granted_scopes == ["orders:pii", "orders:read"]
    assert (row.pending_version, row.pending_scopes) == ("", [])
    assert "Updated to version 1.1.0." in client.get(url, headers=HTML).text
    assert _post(client, url, f"{url}/approve").status_code == 409  # nothing waits now


def test_members_without_the_marketplace_permission_only_look(
    client: TestClient, engine: Engine, factory: Factory, shop_with_app: Any
) -> None:
    _, shop, installation = shop_with_app
    clerk = factory.member(shop, areas=["orders", "products"])
    client.cookies.clear()
    sign_in(client, clerk.email, "secret-pass")
    url = _app_url(shop)
    page = client.get(url, headers=HTML)
    assert page.status_code == 200
    assert "your role cannot install, configure or remove services" in page.text
    assert "/uninstall" not in page.text and "/pause" not in page.text
    assert "<fieldset disabled>" in page.text
    for action in ("pause", "uninstall", "settings"):
        refused = _post(client, url, f"{url}/{action}", copies="3")
        assert refused.status_code == 403, action
    row = factory.fetch(m.Installation, installation.id)
    assert (row.status, row.settings) == (m.InstallationStatus.enabled, {"copies": 2})

    manager = factory.member(shop, areas=["marketplace"])
    client.cookies.clear()
    sign_in(client, manager.email, "secret-pass")
    assert _post(client, url, f"{url}/pause").status_code == 303
    assert factory.fetch(m.Installation, installation.id).status == m.InstallationStatus.paused

    stranger = factory.account()
    client.cookies.clear()
    sign_in(client, stranger.email, "secret-pass")
    assert client.get(url, headers=HTML).status_code == 404
    assert client.get(f"/console/shops/{shop.id}/apps", headers=HTML).status_code == 404


def test_signed_out_people_are_sent_to_sign_in(client: TestClient, shop_with_app: Any) -> None:
    _, shop, _ = shop_with_app
    client.cookies.clear()
    response = client.get(_app_url(shop), headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/signin?next=")


def test_installing_through_the_consent_screen_lands_on_the_apps_page(
    app: FastAPI, client: TestClient, engine: Engine, factory: Factory
) -> None:
    app.state.plugins = marketdata.form_host()
    provider = factory.account(is_provider=True)
    marketdata.listing(
        engine,
        provider,
        slug=SLUG,
        name="Label printer",
        scopes=[{"scope": "orders:read", "reason": "to print paid orders' labels"}],
    )
    owner = factory.account()
    shop = factory.shop(owner)
    sign_in(client, owner.email, "secret-pass")
    listing_page = client.get(f"/market/{SLUG}", headers=HTML).text
    assert f'href="/market/{SLUG}/install"' in listing_page
    response = _post(
        client,
        f"/market/{SLUG}/install",
        f"/market/{SLUG}/install",
        shop_id=shop.id,
        decision="approve",
    )
    assert response.status_code == 303
    landed = client.get(response.headers["location"], headers=HTML)
    assert landed.status_code == 200
    assert "Label printer" in landed.text and 'name="copies" value="1"' in landed.text
    with Session(engine) as session:
        row = session.exec(select(m.Installation).where(m.Installation.shop_id == shop.id)).one()
        assert row.settings["copies"] == 1
