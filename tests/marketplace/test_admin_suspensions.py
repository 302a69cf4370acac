"""The admin console suspends and reinstates shops and accounts, with a reason, audit-logged."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

import core.models as m
from core.db import session_scope
from core.outbox import record_event
from core.plugins.fanout import dispatch_outbox
from marketplace.app import SESSION_COOKIE
from tests.conftest import Factory
from tests.marketplace.marketdata import installation, listing
from tests.marketplace.providerdata import sample_host
from tests.webtools import HTML, csrf_from, sign_in


def _admin_browser(app: FastAPI, factory: Factory) -> TestClient:
    admin = factory.account(is_admin=True, email="root@example.com")
    browser = TestClient(app)
    sign_in(browser, admin.email, "secret-pass")
    return browser


def _post(browser: TestClient, page: str, action: str, reason: str) -> httpx.Response:
    token = csrf_from(browser.get(page, headers=HTML).text)
    return browser.post(
        action,
        data={"reason": reason, "csrf_token": token},
        headers=HTML,
        follow_redirects=False,
    )


def _actions(engine: Engine) -> list[tuple[str, int]]:
    with Session(engine) as session:
        rows = session.exec(select(m.AuditLogEntry).order_by(col(m.AuditLogEntry.id))).all()
        return [(r.action, r.target_id) for r in rows]


def test_suspending_and_reinstating_a_shop_from_the_console(
    app: FastAPI, engine: Engine, factory: Factory
) -> None:
    shop = factory.shop(name="Night Market Tea")
    browser = _admin_browser(app, factory)
    page = browser.get("/admin/shops?q=Night", headers=HTML)
    assert page.status_code == 200 and "Night Market Tea" in page.text
    assert f"/admin/shops/{shop.id}/suspend" in page.text

    no_reason = _post(browser, "/admin/shops", f"/admin/shops/{shop.id}/suspend", "")
    assert no_reason.status_code == 400
    assert "Say why" in no_reason.text
    assert factory.fetch(m.Shop, shop.id).suspended_at is None

    done = _post(browser, "/admin/shops", f"/admin/shops/{shop.id}/suspend", "Fake licence")
    assert done.status_code == 303
    suspended = factory.fetch(m.Shop, shop.id)
    assert suspended.suspended_at is not None
    assert suspended.suspension_reason == "Fake licence"
    assert f"/admin/shops/{shop.id}/reinstate" in browser.get("/admin/shops", headers=HTML).text

    back = _post(browser, "/admin/shops", f"/admin/shops/{shop.id}/reinstate", "")
    assert back.status_code == 303
    assert factory.fetch(m.Shop, shop.id).suspended_at is None
    assert _actions(engine) == [("suspend_shop", shop.id), ("reinstate_shop", shop.id)]


def test_suspending_an_account_from_the_console_signs_it_out(
    app: FastAPI, engine: Engine, factory: Factory
) -> None:
    person = factory.account(email="seller@example.com")
    theirs = TestClient(app)
    sign_in(theirs, person.email, "secret-pass")
    cookie = theirs.cookies[SESSION_COOKIE]
    browser = _admin_browser(app, factory)
    page = browser.get("/admin/accounts?q=seller", headers=HTML)
    assert "seller@example.com" in page.text

    done = _post(browser, "/admin/accounts", f"/admin/accounts/{person.id}/suspend", "Fraud")
    assert done.status_code == 303
    with TestClient(app, cookies={SESSION_COOKIE: cookie}) as copy:
        console = copy.get("/console", headers=HTML, follow_redirects=False)
    assert console.status_code == 303
    assert console.headers["location"].startswith("/signin")

    back = _post(browser, "/admin/accounts", f"/admin/accounts/{person.id}/reinstate", "")
    assert back.status_code == 303
    sign_in(TestClient(app), person.email, "secret-pass")
    assert _actions(engine) == [("suspend_account", person.id), ("reinstate_account", person.id)]


def test_the_pages_are_for_admins_only(app: FastAPI, factory: Factory) -> None:
    person = factory.account()
    browser = TestClient(app)
    sign_in(browser, person.email, "secret-pass")
    for path in ("/admin/shops", "/admin/accounts"):
        assert browser.get(path, headers=HTML).status_code == 403


def _paid_event(engine: Engine, shop_id: int) -> None:
    with session_scope(engine) as session:
        record_event(
            session,
            name="order_paid",
            shop_id=shop_id,
            resource_type="order",
            resource_id=1,
            data={"order": {"id": 1}},
        )


def test_a_suspended_shop_gets_no_events_or_hooks_until_reinstated(
    app: FastAPI, engine: Engine, factory: Factory
) -> None:
    host = sample_host()
    provider = factory.account(is_provider=True)
    live = listing(engine, provider, slug="sample_good", scopes=[])
    shop = factory.shop()
    installation(engine, shop, live, scopes=["orders:read"])
    _paid_event(engine, shop.id)
    assert len(dispatch_outbox(engine, host)) == 1

    browser = _admin_browser(app, factory)
    done = _post(browser, "/admin/shops", f"/admin/shops/{shop.id}/suspend", "Fraud checks")
    assert done.status_code == 303
    _paid_event(engine, shop.id)
    assert dispatch_outbox(engine, host) == []
    with Session(engine) as session:
        assert host.shop_view(session, shop.id).enabled == frozenset()
        held = session.exec(select(m.Delivery).where(m.Delivery.status == "dead")).one()
        assert held.last_error.startswith("shop_suspended: a platform admin suspended")

    back = _post(browser, "/admin/shops", f"/admin/shops/{shop.id}/reinstate", "")
    assert back.status_code == 303
    _paid_event(engine, shop.id)
    assert len(dispatch_outbox(engine, host)) == 1
    with Session(engine) as session:
        assert host.shop_view(session, shop.id).enabled == frozenset({"sample_good"})
