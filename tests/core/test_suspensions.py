"""Platform admins suspend and reinstate accounts and shops (API), audit-logged; what a
suspended account's credentials and a suspended shop's services, events and storefront get."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

import core.models as m
from core.plugins.eligibility import filter_eligible
from core.security import new_token, token_hash
from marketplace.app import SESSION_COOKIE
from tests.conftest import Factory
from tests.core.test_orders import order_body, place
from tests.webtools import HTML, csrf_from, sign_in


def _audit(engine: Engine) -> list[tuple[str, str, int, str]]:
    with Session(engine) as session:
        rows = session.exec(select(m.AuditLogEntry).order_by(col(m.AuditLogEntry.id))).all()
        return [(r.action, r.target_type, r.target_id, r.reason) for r in rows]


def _service_token(factory: Factory, shop: m.Shop, scopes: list[str]) -> tuple[str, int]:
    """An installation in ``shop`` and an OAuth access token bound to it."""
    installation = m.Installation(
        shop_id=shop.id, plugin_id="recorder", version="1.0.0", granted_scopes=scopes
    )
    factory._save(installation)
    raw = new_token("tz_oat")
    factory._save(
        m.AccessToken(
            token_hash=token_hash(raw),
            kind="oauth",
            scopes=scopes,
            shop_id=shop.id,
            installation_id=installation.id,
            client_id="client",
        )
    )
    assert installation.id is not None
    return raw, installation.id


def test_only_admins_suspend_and_a_reason_is_required(client: TestClient, factory: Factory) -> None:
    person = factory.account()
    target = factory.account()
    shop = factory.shop()
    for path in (f"/api/v1/admin/accounts/{target.id}", f"/api/v1/admin/shops/{shop.id}"):
        refused = client.post(
            f"{path}/suspend", headers=factory.headers(person), json={"reason": "spam"}
        )
        assert refused.status_code == 403 and refused.json()["code"] == "admin_only"
    admin = factory.headers(factory.account(is_admin=True))
    no_reason = client.post(
        f"/api/v1/admin/shops/{shop.id}/suspend", headers=admin, json={"reason": " "}
    )
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["field"] == "body.reason"


def test_a_suspended_account_loses_its_session_tokens_and_sign_in_until_reinstated(
    app: FastAPI, client: TestClient, engine: Engine, factory: Factory
) -> None:
    admin = factory.account(is_admin=True)
    admin_headers = factory.headers(admin)
    person = factory.account(email="fei@example.com")
    factory.shop(person)
    token = factory.headers(person)
    browser = TestClient(app)
    sign_in(browser, person.email, "secret-pass")
    cookie = browser.cookies[SESSION_COOKIE]
    assert client.get("/api/v1/me", headers=token).status_code == 200

    done = client.post(
        f"/api/v1/admin/accounts/{person.id}/suspend",
        headers=admin_headers,
        json={"reason": "Selling counterfeit tea"},
    )
    assert done.status_code == 200, done.text
    assert done.json()["suspended_at"] is not None

    refused = client.get("/api/v1/me", headers=token)
    assert refused.status_code == 403 and refused.json()["code"] == "account_suspended"
    with TestClient(app, cookies={SESSION_COOKIE: cookie}) as copy:
        console = copy.get("/console", headers=HTML, follow_redirects=False)
    assert console.status_code == 303 and console.headers["location"].startswith("/signin")
    new_token_attempt = client.post(
        "/api/v1/tokens", json={"email": person.email, "password": "secret-pass"}
    )
    assert new_token_attempt.status_code == 403
    assert new_token_attempt.json()["code"] == "account_suspended"
    page = TestClient(app)
    form = page.get("/signin", headers=HTML).text

    signin = page.post(
        "/signin",
        data={"email": person.email, "password": "secret-pass", "csrf_token": csrf_from(form)},
        headers=HTML,
        follow_redirects=False,
    )
    assert signin.status_code == 403
    assert "suspended" in signin.text

    back = client.post(
        f"/api/v1/admin/accounts/{person.id}/reinstate", headers=admin_headers, json={}
    )
    assert back.status_code == 200 and back.json()["suspended_at"] is None
    assert client.get("/api/v1/me", headers=token).status_code == 200
    sign_in(TestClient(app), person.email, "secret-pass")
    assert _audit(engine) == [
        ("suspend_account", "account", person.id, "Selling counterfeit tea"),
        ("reinstate_account", "account", person.id, ""),
    ]


def test_a_suspended_shop_stops_its_services_events_and_storefront(
    client: TestClient, engine: Engine, factory: Factory
) -> None:
    admin = factory.headers(factory.account(is_admin=True))
    owner = factory.account()
    shop = factory.shop(owner)
    _, sku = factory.product(shop)
    owner_headers = factory.headers(owner)
    service, installation_id = _service_token(factory, shop, ["shop:read", "products:read"])
    service_headers = {"Authorization": f"Bearer {service}"}
    buyer = factory.headers(factory.account())
    assert client.get(f"/api/v1/shops/{shop.id}/products", headers=service_headers).is_success

    done = client.post(
        f"/api/v1/admin/shops/{shop.id}/suspend",
        headers=admin,
        json={"reason": "Licence under review"},
    )
    assert done.status_code == 200, done.text

    for path in (f"/api/v1/shops/{shop.id}", f"/api/v1/shops/{shop.id}/products"):
        refused = client.get(path, headers=service_headers)
        assert refused.status_code == 403, refused.text
        assert refused.json()["code"] == "shop_suspended"
    listed = client.get(f"/api/v1/storefront/shops/{shop.id}/products")
    assert listed.status_code == 403 and listed.json()["code"] == "shop_suspended"
    ordered = place(client, shop.id, buyer, order_body(sku.id))
    assert ordered.status_code == 403 and ordered.json()["code"] == "shop_suspended"
    with Session(engine) as session:
        row = session.get(m.Installation, installation_id)
        assert row is not None
        assert filter_eligible(session, [row])[0] == []
    # the owner still sees the shop and why, and its services as suspended, but cannot
    # change it
    services = client.get(f"/api/v1/shops/{shop.id}/installations", headers=owner_headers)
    assert [i["service_status"] for i in services.json()["items"]] == ["suspended"]
    seen = client.get(f"/api/v1/shops/{shop.id}", headers=owner_headers)
    assert seen.status_code == 200
    assert seen.json()["suspension_reason"] == "Licence under review"
    change = client.patch(
        f"/api/v1/shops/{shop.id}", headers=owner_headers, json={"description": "x"}
    )
    assert change.status_code == 403 and change.json()["code"] == "shop_suspended"

    back = client.post(f"/api/v1/admin/shops/{shop.id}/reinstate", headers=admin, json={})
    assert back.status_code == 200
    assert client.get(f"/api/v1/shops/{shop.id}/products", headers=service_headers).is_success
    assert place(client, shop.id, buyer, order_body(sku.id)).status_code == 201
    with Session(engine) as session:
        row = session.get(m.Installation, installation_id)
        assert row is not None
        assert filter_eligible(session, [row])[0] == [row]
    assert [a[:3] for a in _audit(engine)] == [
        ("suspend_shop", "shop", shop.id),
        ("reinstate_shop", "shop", shop.id),
    ]


def test_a_pending_order_cannot_be_paid_in_a_suspended_shop(
    client: TestClient, engine: Engine, factory: Factory
) -> None:
    shop = factory.shop()
    _, sku = factory.product(shop)
    buyer = factory.headers(factory.account())
    order = place(client, shop.id, buyer, order_body(sku.id)).json()
    admin = factory.headers(factory.account(is_admin=True))
    client.post(f"/api/v1/admin/shops/{shop.id}/suspend", headers=admin, json={"reason": "r"})
    paid = client.post(f"/api/v1/me/orders/{order['id']}/pay", headers=buyer)
    assert paid.status_code == 403 and paid.json()["code"] == "shop_suspended"
