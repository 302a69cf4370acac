"""The admin console: approve and reject versions, suspend and reinstate listings, the audit
log, and what each decision does to installations, events and decisions."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

import core.models as m
from core.db import session_scope
from core.models.base import utcnow
from core.outbox import record_event
from core.plugins.delivery import deliver_batch
from core.plugins.fanout import dispatch_outbox
from core.plugins.manager import PluginHost
from core.plugins.retries import replay_deliveries
from tests.marketplace.marketdata import installation, listing
from tests.marketplace.providerdata import (
    PASSED_CHECKS,
    draft_listing,
    sample_host,
    version_row,
)
from tests.webtools import HTML, csrf_from, sign_in

PASSWORD = "admin-password"


def _admin(client: TestClient, factory: Any) -> m.Account:
    admin = factory.account(password=PASSWORD, is_admin=True, name="Zhao Admin")
    sign_in(client, admin.email, PASSWORD)
    return admin


def _post(client: TestClient, page_url: str, url: str, data: dict[str, Any]) -> Any:
    token = csrf_from(client.get(page_url, headers=HTML).text)
    return client.post(
        url, data={**data, "csrf_token": token}, headers=HTML, follow_redirects=False
    )


def _audit(engine: Engine) -> list[tuple[str, str, int, str]]:
    with Session(engine) as session:
        rows = session.exec(select(m.AuditLogEntry).order_by(col(m.AuditLogEntry.id))).all()
        return [(r.action, r.target_type, r.target_id, r.reason) for r in rows]


def test_only_admins_see_the_console(client: TestClient, factory: Any) -> None:
    assert client.get("/admin", headers=HTML, follow_redirects=False).status_code == 303
    provider = factory.account(password=PASSWORD, is_provider=True)
    sign_in(client, provider.email, PASSWORD)
    for url in ("/admin", "/admin/listings", "/admin/audit"):
        assert client.get(url, headers=HTML).status_code == 403, url


def test_the_queue_shows_submitted_versions_with_their_checks(
    client: TestClient, factory: Any, engine: Engine
) -> None:
    provider = factory.account(is_provider=True, name="Lin Provider")
    row = draft_listing(engine, provider, slug="order_copier", name="Order copier")
    checks = {
        "results": [
            {
                "name": "urls",
                "status": "fail",
                "findings": [{"severity": "error", "message": "use https", "where": "webhook_url"}],
            }
        ]
    }
    version_row(engine, row, kind="remote", checks=checks, checks_passed=False)
    version_row(engine, row, version="0.9.0", kind="remote", status=m.VersionStatus.draft)
    _admin(client, factory)
    page = client.get("/admin", headers=HTML)
    assert page.status_code == 200
    assert "Order copier 1.0.0" in page.text
    assert "Order copier 0.9.0" not in page.text
    assert "use https" in page.text
    assert "checks failed" in page.text
    assert "Lin Provider" in page.text


def test_approving_makes_the_listing_live_and_moves_installations(
    client: TestClient, factory: Any, engine: Engine
) -> None:
    provider = factory.account(is_provider=True)
    live = listing(
        engine, provider, slug="order_copier", scopes=[{"scope": "orders:read", "reason": "r"}]
    )
    covered = installation(engine, factory.shop(), live, scopes=["orders:read", "logistics:read"])
    short = installation(engine, factory.shop(), live, scopes=["orders:read"])
    new = version_row(
        engine,
        live,
        version="1.1.0",
        scopes=["orders:read", "logistics:read"],
        kind="plugin",
        checks=PASSED_CHECKS,
        checks_passed=True,
    )
    admin = _admin(client, factory)
    done = _post(
        client, f"/admin/versions/{new.id}", f"/admin/versions/{new.id}/approve", {"note": "ok"}
    )
    assert done.status_code == 303
    assert "1 installations upgraded, 1 waiting" in client.get("/admin", headers=HTML).text
    with Session(engine) as session:
        row = session.get(m.Listing, live.id)
        version = session.get(m.ListingVersion, new.id)
        moved = session.get(m.Installation, covered.id)
        waiting = session.get(m.Installation, short.id)
    assert row is not None and version is not None and moved is not None and waiting is not None
    assert (row.status, row.live_version_id) == ("live", new.id)
    assert (version.status, version.reviewed_by) == ("approved", admin.id)
    assert (moved.version, moved.pending_version) == ("1.1.0", "")
    assert (waiting.version, waiting.pending_version) == ("1.0.0", "1.1.0")
    assert waiting.pending_scopes == ["logistics:read", "orders:read"]
    assert _audit(engine) == [("approve_version", "listing_version", new.id, "ok")]


def test_a_remote_approval_registers_its_client_and_its_secret_is_shown_once(
    client: TestClient, factory: Any, engine: Engine, settings: Any
) -> None:
    from marketplace.services.oauth_clients import client_secret_matches

    provider = factory.account(password=PASSWORD, is_provider=True)
    row = draft_listing(engine, provider, slug="order_copier")
    new = version_row(
        engine,
        row,
        kind="remote",
        scopes=["orders:read"],
        redirect_uris=["https://copier.example.com/cb"],
        checks=PASSED_CHECKS,
        checks_passed=True,
    )
    _admin(client, factory)
    _post(client, f"/admin/versions/{new.id}", f"/admin/versions/{new.id}/approve", {})
    with Session(engine) as session:
        oauth = session.exec(select(m.OAuthClient)).one()
        assert oauth.redirect_uris == ["https://copier.example.com/cb"]
        assert session.get(m.Listing, row.id).status == "live"  # type: ignore[union-attr]
    client.cookies.clear()
    sign_in(client, provider.email, PASSWORD)
    page_url = "/provider/listings/order_copier"
    page = client.get(page_url, headers=HTML).text
    assert oauth.client_id in page
    assert "tz_cs_" not in page
    made = _post(client, page_url, f"{page_url}/credentials", {})
    assert made.status_code == 200
    secret = re.search(r'class="client-secret">(tz_cs_[^<]+)<', made.text)
    assert secret is not None
    assert "whsec_" in made.text
    with Session(engine) as session:
        assert client_secret_matches(session.exec(select(m.OAuthClient)).one(), secret.group(1))
    assert "tz_cs_" not in client.get(page_url, headers=HTML).text
    again = _post(client, page_url, f"{page_url}/credentials", {})
    second = re.search(r'class="client-secret">(tz_cs_[^<]+)<', again.text)
    assert second is not None and second.group(1) != secret.group(1)
    with Session(engine) as session:
        rotated = session.exec(select(m.OAuthClient)).one()
        assert not client_secret_matches(rotated, secret.group(1))  # the old one stops working
        assert client_secret_matches(rotated, second.group(1))


def test_rejecting_needs_a_reason_the_provider_then_reads(
    client: TestClient, factory: Any, engine: Engine
) -> None:
    provider = factory.account(password=PASSWORD, is_provider=True)
    row = draft_listing(engine, provider, slug="order_copier")
    new = version_row(engine, row, kind="remote", redirect_uris=["https://x.example.com/cb"])
    _admin(client, factory)
    page_url = f"/admin/versions/{new.id}"
    refused = _post(client, page_url, f"/admin/versions/{new.id}/reject", {"reason": "  "})
    assert refused.status_code == 400
    assert "Say why: the provider reads this reason." in refused.text
    done = _post(
        client, page_url, f"/admin/versions/{new.id}/reject", {"reason": "Asks for too much."}
    )
    assert done.status_code == 303
    assert _audit(engine) == [("reject_version", "listing_version", new.id, "Asks for too much.")]
    twice = _post(client, page_url, f"/admin/versions/{new.id}/reject", {"reason": "again"})
    assert twice.status_code == 409
    client.cookies.clear()
    sign_in(client, provider.email, PASSWORD)
    page = client.get("/provider/listings/order_copier/versions/1.0.0", headers=HTML).text
    assert "rejected" in page
    assert "Asks for too much." in page


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


def test_a_suspended_listing_gets_no_events_or_decisions_until_reinstated(
    app: FastAPI, client: TestClient, factory: Any, engine: Engine
) -> None:
    host: PluginHost = sample_host()
    provider = factory.account(is_provider=True)
    live = listing(engine, provider, slug="sample_good", scopes=[])
    shop = factory.shop()
    installation(engine, shop, live, scopes=["orders:read"])
    _paid_event(engine, shop.id)
    assert len(dispatch_outbox(engine, host)) == 1
    _admin(client, factory)
    refused = _post(
        client, "/admin/listings", "/admin/listings/sample_good/suspend", {"reason": ""}
    )
    assert refused.status_code == 400
    assert "Say why" in refused.text
    done = _post(
        client, "/admin/listings", "/admin/listings/sample_good/suspend", {"reason": "Leaks data"}
    )
    assert done.status_code == 303
    _paid_event(engine, shop.id)
    assert dispatch_outbox(engine, host) == []
    with Session(engine) as session:
        assert host.shop_view(session, shop.id).enabled == frozenset()
        assert session.get(m.Listing, live.id).status_reason == "Leaks data"  # type: ignore[union-attr]
        held = session.exec(select(m.Delivery).where(m.Delivery.status == "dead")).one()
        assert held.last_error.startswith("listing_suspended: a platform admin suspended")
    assert "Leaks data" in client.get("/admin/listings", headers=HTML).text
    back = _post(client, "/admin/listings", "/admin/listings/sample_good/reinstate", {})
    assert back.status_code == 303
    _paid_event(engine, shop.id)
    assert len(dispatch_outbox(engine, host)) == 1
    with Session(engine) as session:
        assert host.shop_view(session, shop.id).enabled == frozenset({"sample_good"})
    assert [a[0] for a in _audit(engine)] == ["suspend_listing", "reinstate_listing"]
    audit = client.get("/admin/audit", headers=HTML).text
    assert "Suspended a listing" in audit and "Leaks data" in audit and "Zhao Admin" in audit


def test_a_lapsed_subscription_gets_no_events_and_its_view_expires(
    factory: Any, engine: Engine, monkeypatch: Any
) -> None:
    host = sample_host()
    provider = factory.account(is_provider=True)
    live = listing(engine, provider, slug="sample_good", scopes=[])
    shop = factory.shop()
    installation(engine, shop, live, scopes=["orders:read"], trial_ends_in=timedelta(days=3))
    with Session(engine) as session:
        view = host.shop_view(session, shop.id)
        assert view.enabled == frozenset({"sample_good"})
        assert view.recheck_at is not None
    _paid_event(engine, shop.id)
    assert len(dispatch_outbox(engine, host)) == 1
    later = utcnow() + timedelta(days=4)  # the trial ended a day ago, with no renewal
    monkeypatch.setattr("core.plugins.eligibility.utcnow", lambda: later)
    monkeypatch.setattr("core.plugins.manager.utcnow", lambda: later)
    _paid_event(engine, shop.id)
    assert dispatch_outbox(engine, host) == []
    with Session(engine) as session:
        # the cached view knew when the period ends; past it, it is rebuilt without the app
        assert host.shop_view(session, shop.id).enabled == frozenset()


def test_an_expired_subscription_gets_no_events(factory: Any, engine: Engine) -> None:
    host = sample_host()
    provider = factory.account(is_provider=True)
    live = listing(engine, provider, slug="sample_good", scopes=[])
    shop = factory.shop()
    inst = installation(engine, shop, live, scopes=["orders:read"], trial_ends_in=timedelta(days=3))
    with session_scope(engine) as session:
        subscription = session.exec(
            select(m.Subscription).where(m.Subscription.installation_id == inst.id)
        ).one()
        subscription.status = m.SubscriptionStatus.expired
        session.add(subscription)
    _paid_event(engine, shop.id)
    assert dispatch_outbox(engine, host) == []
    # the event is kept, held as a dead letter that says why
    with Session(engine) as session:
        (held,) = session.exec(select(m.Delivery)).all()
        assert held.status == m.DeliveryStatus.dead and held.attempts == 0
        assert held.last_error.startswith("subscription_expired: the shop's subscription lapsed")


def test_a_queued_delivery_whose_subscription_lapses_is_held_not_run(
    factory: Any, engine: Engine
) -> None:
    host = sample_host()
    provider = factory.account(is_provider=True)
    live = listing(engine, provider, slug="sample_good", scopes=[])
    shop = factory.shop()
    inst = installation(engine, shop, live, scopes=["orders:read"], trial_ends_in=timedelta(days=3))
    _paid_event(engine, shop.id)
    (queued,) = dispatch_outbox(engine, host)
    with session_scope(engine) as session:
        subscription = session.exec(
            select(m.Subscription).where(m.Subscription.installation_id == inst.id)
        ).one()
        subscription.current_period_end = utcnow() - timedelta(minutes=1)
        session.add(subscription)
    (result,) = deliver_batch(engine, host, [queued])
    assert result.status == "held" and result.retry_in_s is None
    with Session(engine) as session:
        row = session.get(m.Delivery, queued)
        assert row is not None and row.status == m.DeliveryStatus.dead and row.attempts == 0
        assert row.last_error.startswith("subscription_expired")
        assert session.exec(select(m.PluginRecord)).all() == []  # the hook never ran
        kept = session.get(m.Installation, inst.id)
        assert kept is not None and kept.consecutive_failures == 0  # the circuit did not move
    # renewed: a replay sends it, and the hook runs this time
    with session_scope(engine) as session:
        subscription = session.exec(
            select(m.Subscription).where(m.Subscription.installation_id == inst.id)
        ).one()
        subscription.status = m.SubscriptionStatus.active
        subscription.current_period_end = utcnow() + timedelta(days=30)
        session.add(subscription)
        assert replay_deliveries(session, delivery_ids=[queued]) == [queued]
    (again,) = deliver_batch(engine, host, [queued])
    assert again.status != "held"
    with Session(engine) as session:
        row = session.get(m.Delivery, queued)
        assert row is not None and row.attempts == 1
        assert not row.last_error.startswith("subscription_expired")


def test_provider_text_is_inert_on_the_admin_pages(
    client: TestClient, factory: Any, engine: Engine
) -> None:
    provider = factory.account(is_provider=True, name="<script>alert('p')</script>")
    hostile = draft_listing(
        engine,
        provider,
        slug="hostile",
        name="<script>alert('name')</script>",
        description="[click](javascript:alert(1)) <script>alert('d')</script>",
    )
    new = version_row(
        engine,
        hostile,
        kind="remote",
        redirect_uris=["javascript:alert(3)"],
        release_notes="<script>alert('notes')</script>[x](javascript:alert(2))",
        checks={
            "results": [
                {
                    "name": "urls",
                    "status": "fail",
                    "findings": [
                        {"severity": "error", "message": "<script>x</script>", "where": ""}
                    ],
                }
            ]
        },
    )
    _admin(client, factory)
    for url in ("/admin", f"/admin/versions/{new.id}", "/admin/listings"):
        html = client.get(url, headers=HTML).text
        assert "<script>alert" not in html, url
        assert "<script>x" not in html, url
        assert not re.search(r'href="javascript:', html), url


def test_a_version_the_oauth_server_cannot_register_is_not_approved(
    client: TestClient, factory: Any, engine: Engine
) -> None:
    provider = factory.account(is_provider=True)
    row = draft_listing(engine, provider, slug="order_copier")
    new = version_row(
        engine,
        row,
        kind="remote",
        redirect_uris=["http://copier.example.com/cb"],
        checks=PASSED_CHECKS,
        checks_passed=True,
    )
    _admin(client, factory)
    page = _post(client, f"/admin/versions/{new.id}", f"/admin/versions/{new.id}/approve", {})
    assert page.status_code == 400
    assert "It cannot be approved" in page.text
    with Session(engine) as session:
        assert session.get(m.ListingVersion, new.id).status == "submitted"  # type: ignore[union-attr]
        assert session.get(m.Listing, row.id).status == "draft"  # type: ignore[union-attr]
        assert session.exec(select(m.OAuthClient)).all() == []
    assert _audit(engine) == []


def test_an_admin_runs_the_checks_of_a_submitted_version_again(
    client: TestClient, factory: Any, engine: Engine
) -> None:
    provider = factory.account(is_provider=True)
    row = draft_listing(engine, provider, slug="order_copier")
    new = version_row(
        engine,
        row,
        kind="remote",
        scopes=["orders:read"],
        redirect_uris=["http://copier.example.com/cb"],
        webhook_topics=["order.paid"],
        webhook_url="https://copier.example.com/hooks",
    )
    assert new.checks == {} and new.checks_passed is None
    _admin(client, factory)
    assert "checks not run" in client.get("/admin", headers=HTML).text
    done = _post(client, f"/admin/versions/{new.id}", f"/admin/versions/{new.id}/checks", {})
    assert done.status_code == 303
    with Session(engine) as session:
        version = session.get(m.ListingVersion, new.id)
    assert version is not None and version.checks_passed is False
    statuses = {r["name"]: r["status"] for r in version.checks["results"]}
    assert statuses == {
        "manifest": "pass",
        "plugin": "skip",
        "scopes": "pass",
        "sandbox": "skip",
        "urls": "fail",
    }
    assert "must be an https:// URL" in client.get(f"/admin/versions/{new.id}", headers=HTML).text
    assert [entry[0] for entry in _audit(engine)] == ["rerun_checks"]
