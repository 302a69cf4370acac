"""Pages plugins add with ``register_routes``, at ``/apps/<plugin>/shops/<shop><path>``:
installation and scope checks, the scoped client, and inert output."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

import core.models as m
from core.models.base import utcnow
from core.plugins.installations import pause_installation, remove_installation
from tests.conftest import Factory
from tests.marketplace.console_helpers import PLUGIN, enable, settings, signed_in  # noqa: F401
from tests.webtools import HTML, csrf_from


def base(shop: m.Shop) -> str:
    return f"/apps/{PLUGIN}/shops/{shop.id}"


def test_an_enabled_plugins_page_answers_with_its_content_escaped(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    enable(app, shop)
    signed_in(client, owner)
    response = client.get(base(shop), headers=HTML)
    assert response.status_code == 200
    assert "0 label(s) printed" in response.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in response.text
    assert "<script>alert('x')" not in response.text
    assert f'href="/console/shops/{shop.id}/orders"' in response.text  # inside the console
    assert "<h1>Labels</h1>" in response.text


def test_plugin_html_is_sanitized(app: FastAPI, client: TestClient, factory: Factory) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    enable(app, shop)
    signed_in(client, owner)
    page = client.get(f"{base(shop)}/rich?who=<em>Li</em><script>steal()</script>", headers=HTML)
    assert page.status_code == 200
    section = page.text.split('class="card plugin-page"', 1)[1].split("</section>", 1)[0]
    assert "<h2>Labels</h2>" in section and "<b><em>Li</em></b>" in section
    assert "<script" not in section and "steal()" not in section
    assert "onclick" not in section and "onerror" not in section
    assert "javascript:" not in section and "<img" not in section
    assert '<a href="https://example.com/help" rel="nofollow noopener noreferrer">' in section
    # a POST route gets the form's fields, CSRF-checked like every console form
    token = csrf_from(page.text)
    posted = client.post(
        f"{base(shop)}/rich", data={"who": "Han", "csrf_token": token}, headers=HTML
    )
    assert posted.status_code == 200 and "<b>Han</b>" in posted.text
    forged = client.post(f"{base(shop)}/rich", data={"who": "Han"}, headers=HTML)
    assert forged.status_code == 403


def test_json_routes_get_path_params_and_the_scoped_client(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    order, _ = factory.order(shop)
    theirs, _ = factory.order(factory.shop())
    enable(app, shop)
    signed_in(client, owner)
    response = client.get(f"{base(shop)}/labels/{order.id}")
    assert response.status_code == 200
    assert response.json() == {"order_id": order.id, "recipient": "Buyer"}
    # the client is the installation's: another shop's order does not exist for it
    assert client.get(f"{base(shop)}/labels/{theirs.id}").status_code == 502
    assert client.get(f"{base(shop)}/labels/not-a-number", headers=HTML).status_code == 404
    # a browser gets the same data as a page of the console, not a bare JSON dump
    page = client.get(f"{base(shop)}/labels/{order.id}", headers=HTML)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    section = page.text.split('class="card plugin-page"', 1)[1].split("</section>", 1)[0]
    assert '<th scope="row">recipient</th><td><span class="plugin-text">Buyer</span></td>' in (
        section
    )
    assert f'href="/console/shops/{shop.id}/orders"' in page.text


def test_a_lapsed_subscription_or_a_suspended_listing_closes_the_pages_saying_why(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    installation_id = enable(app, shop)
    signed_in(client, owner)
    provider = factory.account(is_provider=True)
    listing = m.Listing(slug=PLUGIN, provider_id=provider.id, name="Labels", status="live")
    factory._save(listing)
    subscription = m.Subscription(
        installation_id=installation_id,
        listing_id=listing.id,
        shop_id=shop.id,
        status=m.SubscriptionStatus.trialing,
        price_fen=990,
        current_period_end=utcnow() - timedelta(minutes=1),
    )
    factory._save(subscription)
    lapsed = client.get(base(shop), headers=HTML)
    assert lapsed.status_code == 403
    assert "subscription has expired" in lapsed.text and "renew it" in lapsed.text
    assert client.get(base(shop)).json()["code"] == "subscription_expired"
    with Session(app.state.engine) as session:
        row = session.get(m.Subscription, subscription.id)
        suspended_listing = session.get(m.Listing, listing.id)
        assert row is not None and suspended_listing is not None
        row.current_period_end = utcnow() + timedelta(days=30)  # renewed...
        suspended_listing.status = m.ListingStatus.suspended  # ...but suspended by an admin
        session.add_all([row, suspended_listing])
        session.commit()
    suspended = client.get(base(shop))
    assert suspended.status_code == 403 and suspended.json()["code"] == "listing_suspended"


def test_a_plugin_enabled_later_answers_without_a_restart(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    signed_in(client, owner)
    assert client.get(base(shop), headers=HTML).status_code == 404
    enable(app, shop)
    assert client.get(base(shop), headers=HTML).status_code == 200


def test_paused_and_removed_plugins_do_not_answer(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    enable(app, shop)
    signed_in(client, owner)
    with Session(app.state.engine) as session:
        pause_installation(session, shop_id=shop.id, plugin_id=PLUGIN)
        session.commit()
    paused = client.get(base(shop), headers=HTML)
    assert paused.status_code == 403 and "paused" in paused.text
    with Session(app.state.engine) as session:
        remove_installation(session, shop_id=shop.id, plugin_id=PLUGIN)
        session.commit()
    assert client.get(base(shop), headers=HTML).status_code == 404


def test_a_plugin_enabled_elsewhere_is_not_installed_here(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    enable(app, factory.shop())
    signed_in(client, owner)
    assert client.get(base(shop), headers=HTML).status_code == 404
    assert client.get(f"/apps/no_such_plugin/shops/{shop.id}", headers=HTML).status_code == 404


def test_scopes_of_the_route_are_checked(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    shop = factory.shop()
    enable(app, shop, scopes=["orders:read", "products:read"])
    clerk = factory.member(shop, areas=["products"])
    signed_in(client, clerk)
    assert client.get(f"{base(shop)}/stock", headers=HTML).status_code == 200
    lacking = client.get(base(shop), headers=HTML)  # orders:read: the role has no orders area
    assert lacking.status_code == 403 and "orders" in lacking.text
    # a scope the installation was not granted stays closed even to the owner
    owner = factory.fetch(m.Account, shop.owner_id)
    signed_in(client, owner)
    assert client.get(f"{base(shop)}/members", headers=HTML).status_code == 403


def test_strangers_and_anonymous_visitors_are_kept_out(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    shop = factory.shop()
    enable(app, shop)
    anonymous = client.get(base(shop), headers=HTML, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/signin")
    signed_in(client, factory.account())
    assert client.get(base(shop), headers=HTML).status_code == 404


def test_a_failing_page_and_an_unknown_path(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    enable(app, shop)
    signed_in(client, owner)
    broken = client.get(f"{base(shop)}/broken", headers=HTML)
    assert broken.status_code == 502 and "RuntimeError" in broken.text
    assert client.get(f"{base(shop)}/nowhere", headers=HTML).status_code == 404


def test_a_plugin_form_is_drawn_by_the_host_and_posts_back_with_its_upload(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    enable(app, shop)
    signed_in(client, owner)
    page = client.get(f"{base(shop)}/upload", headers=HTML)
    assert page.status_code == 200
    section = page.text.split(f'action="{base(shop)}/upload"', 1)[1].split("</form>", 1)[0]
    assert 'enctype="multipart/form-data"' in section
    assert 'name="csrf_token"' in section and 'name="sheet"' in section
    token = csrf_from(page.text)
    sheet = ("sheet.csv", b"order\n1001\n1002\n", "text/csv")
    answer = client.post(
        f"{base(shop)}/upload",
        data={"note": "morning", "csrf_token": token},
        files={"sheet": sheet},
        headers=HTML,
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith("attachment;") and "report%20for%20the%20sheet.csv" in disposition
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.text == "note,lines\nmorning,3\n"
    # without the sheet the form comes back with the plugin's message
    again = client.post(
        f"{base(shop)}/upload", data={"note": "x", "csrf_token": token}, headers=HTML
    )
    assert again.status_code == 200 and "Choose a sheet." in again.text


def test_a_plugin_form_without_its_csrf_token_is_refused(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    enable(app, shop)
    signed_in(client, owner)
    client.get(f"{base(shop)}/upload", headers=HTML)
    sheet = ("sheet.csv", b"order\n1001\n", "text/csv")
    forged = client.post(
        f"{base(shop)}/upload", data={"note": "x"}, files={"sheet": sheet}, headers=HTML
    )
    assert forged.status_code == 403 and "report" not in forged.text
    wrong = client.post(
        f"{base(shop)}/upload",
        data={"note": "x", "csrf_token": "not-the-token"},
        files={"sheet": sheet},
        headers=HTML,
    )
    assert wrong.status_code == 403


def test_a_plugin_file_must_be_a_result_type(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    enable(app, shop)
    signed_in(client, owner)
    token = csrf_from(client.get(f"{base(shop)}/upload", headers=HTML).text)
    answer = client.post(
        f"{base(shop)}/upload",
        data={"as": "html", "csrf_token": token},
        files={"sheet": ("a.csv", b"x\n", "text/csv")},
        headers=HTML,
    )
    assert answer.status_code == 502 and "<script>" not in answer.text


def test_a_plugin_form_needs_its_scope(app: FastAPI, client: TestClient, factory: Factory) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    enable(app, shop, scopes=["products:read"])
    signed_in(client, owner)
    assert client.get(f"{base(shop)}/upload", headers=HTML).status_code == 403
