"""The provider console's pages: listings, versions from a form or a manifest, what shows."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

import core.models as m
from tests.marketplace.marketdata import installation, listing
from tests.marketplace.providerdata import draft_listing, use_sample_host, version_row
from tests.webtools import HTML, csrf_from, sign_in

PASSWORD = "provider-pass"


def _provider(client: TestClient, factory: Any) -> m.Account:
    account = factory.account(password=PASSWORD, is_provider=True, name="Lin Provider")
    sign_in(client, account.email, PASSWORD)
    return account


def _post(client: TestClient, page_url: str, url: str, data: dict[str, Any], **kw: Any) -> Any:
    token = csrf_from(client.get(page_url, headers=HTML).text)
    return client.post(
        url, data={**data, "csrf_token": token}, headers=HTML, follow_redirects=False, **kw
    )


LISTING_FORM = {
    "slug": "order_copier",
    "name": "Order copier",
    "summary": "Copies paid orders",
    "description": "# Hello\n\nIt copies **orders**.",
    "category": "orders",
    "icon": "📦",
    "pricing_model": "monthly",
    "price_fen": "1990",
    "trial_days": "7",
}


def test_people_who_are_not_providers_are_refused(client: TestClient, factory: Any) -> None:
    anonymous = client.get("/provider", headers=HTML, follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/signin?next=/provider"
    merchant = factory.account(password=PASSWORD)
    sign_in(client, merchant.email, PASSWORD)
    page = client.get("/provider", headers=HTML)
    assert page.status_code == 403
    assert "service providers" in page.text


def test_a_provider_creates_and_edits_a_listing(
    client: TestClient, factory: Any, engine: Engine
) -> None:
    provider = _provider(client, factory)
    made = _post(client, "/provider/listings/new", "/provider/listings", LISTING_FORM)
    assert made.status_code == 303
    assert made.headers["location"] == "/provider/listings/order_copier"
    page = client.get("/provider/listings/order_copier", headers=HTML)
    assert "Order copier" in page.text
    assert "<h1>Hello</h1>" in page.text  # the description is rendered Markdown
    assert "¥19.90/month" in page.text
    edited = _post(
        client,
        "/provider/listings/order_copier/edit",
        "/provider/listings/order_copier/edit",
        {**LISTING_FORM, "name": "Order copier 2", "pricing_model": "free", "slug": "ignored"},
    )
    assert edited.status_code == 303
    with Session(engine) as session:
        row = session.exec(select(m.Listing)).one()
    assert (row.slug, row.name, row.provider_id) == ("order_copier", "Order copier 2", provider.id)
    assert (row.pricing_model, row.price_fen, row.status) == ("free", 0, "draft")
    home = client.get("/provider", headers=HTML)
    assert "Order copier 2" in home.text


def test_a_refused_listing_form_keeps_what_was_typed(
    client: TestClient, factory: Any, engine: Engine
) -> None:
    _provider(client, factory)
    bad = {**LISTING_FORM, "icon": "javascript:alert(1)", "price_fen": "0"}
    page = _post(client, "/provider/listings/new", "/provider/listings", bad)
    assert page.status_code == 400
    assert "one emoji or an https:// image URL" in page.text
    assert 'value="Order copier"' in page.text
    taken = factory.account(is_provider=True)
    draft_listing(engine, taken, slug="taken_id")
    again = _post(
        client, "/provider/listings/new", "/provider/listings", {**LISTING_FORM, "slug": "taken_id"}
    )
    assert again.status_code == 400
    assert "That id is taken" in again.text
    with Session(engine) as session:
        assert len(session.exec(select(m.Listing)).all()) == 1


def test_a_remote_version_from_the_form_is_submitted_and_its_checks_shown(
    client: TestClient, factory: Any, engine: Engine
) -> None:
    provider = _provider(client, factory)
    draft_listing(engine, provider, slug="order_copier")
    page_url = "/provider/listings/order_copier/versions/new"
    form = {
        "version": "1.0.0",
        "kind": "remote",
        "redirect_uris": "https://copier.example.com/cb\n",
        "webhook_url": "http://copier.example.com/hooks",
        "webhook_topics": ["order.paid"],
        "scope_orders:read": "1",
        "reason_orders:read": "to copy paid orders",
        "scope_members:read": "1",
        "reason_members:read": "to know who to tell",
        "release_notes": "First",
        "action": "submit",
    }
    done = _post(client, page_url, "/provider/listings/order_copier/versions", form)
    assert done.status_code == 303, done.text
    version_page = client.get(done.headers["location"], headers=HTML)
    assert "submitted" in version_page.text
    assert "http://copier.example.com/hooks must be an https:// URL" in version_page.text
    assert "extra scope members:read" in version_page.text
    with Session(engine) as session:
        row = session.exec(select(m.ListingVersion)).one()
    assert row.status == m.VersionStatus.submitted
    assert row.checks_passed is False
    assert row.scopes == [
        {"scope": "orders:read", "reason": "to copy paid orders"},
        {"scope": "members:read", "reason": "to know who to tell"},
    ]


def test_a_refused_version_form_names_the_fields(
    client: TestClient, factory: Any, engine: Engine
) -> None:
    provider = _provider(client, factory)
    draft_listing(engine, provider, slug="order_copier")
    page_url = "/provider/listings/order_copier/versions/new"
    form = {
        "version": "one",
        "kind": "remote",
        "scope_orders:read": "1",
        "reason_orders:read": "x",
        "action": "submit",
    }
    page = _post(client, page_url, "/provider/listings/order_copier/versions", form)
    assert page.status_code == 400
    assert "<code>version</code>" in page.text
    assert "<code>scopes[0].reason</code>" in page.text
    with Session(engine) as session:
        assert session.exec(select(m.ListingVersion)).all() == []


def test_a_pasted_manifest_makes_a_draft_then_submitted(
    app: FastAPI, client: TestClient, factory: Any, engine: Engine
) -> None:
    use_sample_host(app)
    provider = _provider(client, factory)
    draft_listing(engine, provider, slug="sample_good")
    manifest = {
        "id": "sample_good",
        "name": "Sample good",
        "version": "1.0.0",
        "scopes": [{"scope": "orders:read", "reason": "to read the paid order's total"}],
        "hooks": ["order_paid"],
        "requires_tanzi": ">=0.1",
    }
    page_url = "/provider/listings/sample_good/versions/new"
    done = _post(
        client,
        page_url,
        "/provider/listings/sample_good/versions",
        {"manifest_json": json.dumps(manifest), "action": "draft"},
    )
    assert done.status_code == 303, done.text
    draft = client.get(done.headers["location"], headers=HTML)
    assert "The checks run when the version is submitted." in draft.text
    submitted = _post(
        client,
        done.headers["location"],
        "/provider/listings/sample_good/versions/1.0.0/submit",
        {},
    )
    assert submitted.status_code == 303
    with Session(engine) as session:
        row = session.exec(select(m.ListingVersion)).one()
    assert (row.status, row.checks_passed, row.hooks) == ("submitted", True, ["order_paid"])


def test_an_uploaded_manifest_file_is_read_and_a_bad_one_refused(
    client: TestClient, factory: Any, engine: Engine
) -> None:
    provider = _provider(client, factory)
    draft_listing(engine, provider, slug="order_copier")
    page_url = "/provider/listings/order_copier/versions/new"
    token = csrf_from(client.get(page_url, headers=HTML).text)
    body = {
        "version": "2.0.0",
        "kind": "remote",
        "redirect_uris": ["https://copier.example.com/cb"],
        "scopes": [{"scope": "orders:read", "reason": "to copy paid orders"}],
    }
    done = client.post(
        "/provider/listings/order_copier/versions",
        data={"csrf_token": token, "action": "draft"},
        files={"manifest_file": ("version.json", json.dumps(body).encode(), "application/json")},
        headers=HTML,
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert done.headers["location"].endswith("/versions/2.0.0")
    broken = client.post(
        "/provider/listings/order_copier/versions",
        data={"csrf_token": token, "action": "draft"},
        files={"manifest_file": ("version.json", b"{not json", "application/json")},
        headers=HTML,
        follow_redirects=False,
    )
    assert broken.status_code == 400
    assert "The manifest is not JSON" in broken.text


def test_the_listing_page_counts_installs_and_lists_failing_deliveries(
    client: TestClient, factory: Any, engine: Engine
) -> None:
    provider = _provider(client, factory)
    live = listing(engine, provider, slug="order_copier", scopes=[])
    shops = [factory.shop() for _ in range(3)]
    first = installation(engine, shops[0], live, scopes=["orders:read"])
    installation(engine, shops[1], live, status=m.InstallationStatus.paused)
    installation(engine, shops[2], live, status=m.InstallationStatus.removed)
    with Session(engine) as session:
        event = m.OutboxEvent(
            event_id="evt-1",
            name="order_paid",
            shop_id=shops[0].id,
            resource_type="order",
            resource_id=1,
            sequence=1,
            payload={},
        )
        session.add(event)
        session.flush()
        for n, status in enumerate(("dead", "failed", "delivered")):
            session.add(
                m.Delivery(
                    event_id=f"evt-{n}",
                    outbox_id=event.id,
                    installation_id=first.id,
                    shop_id=shops[0].id,
                    plugin_id="order_copier",
                    hook="order_paid",
                    status=status,
                    attempts=3,
                    last_error=f"ConnectionError number {n}",
                )
            )
        session.commit()
    page = client.get("/provider/listings/order_copier", headers=HTML)
    assert "Enabled: 1" in page.text
    assert "Paused: 1" in page.text
    assert "Removed: 1" in page.text
    assert "ConnectionError number 0" in page.text
    assert "ConnectionError number 1" in page.text
    assert "ConnectionError number 2" not in page.text
    assert "Used by 2 shops" in client.get("/provider", headers=HTML).text

    # the app is back: the provider sends that shop's backlog again from the console
    assert f'name="installation_id" value="{first.id}"' in page.text
    page_url = "/provider/listings/order_copier"
    sent = _post(client, page_url, page_url + "/replay", {"installation_id": str(first.id)})
    assert sent.status_code == 303
    assert "2 deliveries were queued again." in client.get(page_url, headers=HTML).text
    with Session(engine) as session:
        rows = session.exec(select(m.Delivery).order_by(col(m.Delivery.id))).all()
        assert [(r.status, r.attempts) for r in rows] == [
            ("pending", 0),
            ("pending", 0),
            ("delivered", 3),
        ]
    other = listing(engine, factory.account(is_provider=True), slug="not_mine", scopes=[])
    theirs = installation(engine, shops[0], other)
    refused = _post(client, page_url, page_url + "/replay", {"installation_id": str(theirs.id)})
    assert refused.status_code == 303
    assert "No installation of this listing has that id." in client.get(page_url, headers=HTML).text


def test_someone_elses_listing_is_not_found(
    client: TestClient, factory: Any, engine: Engine
) -> None:
    other = factory.account(is_provider=True)
    draft_listing(engine, other, slug="not_yours")
    _provider(client, factory)
    assert client.get("/provider/listings/not_yours", headers=HTML).status_code == 404
    assert client.get("/provider/listings/not_yours/edit", headers=HTML).status_code == 404


def test_provider_text_is_inert(client: TestClient, factory: Any, engine: Engine) -> None:
    provider = _provider(client, factory)
    hostile = draft_listing(
        engine,
        provider,
        slug="hostile",
        name="<script>alert('name')</script>",
        summary="<img src=x onerror=alert(1)>",
        description="[click](javascript:alert(1)) <script>alert('d')</script>",
    )
    version_row(
        engine,
        hostile,
        kind="remote",
        version="1.0.0",
        release_notes="<script>alert('notes')</script>[x](javascript:alert(2))",
        review_reason="<script>alert('reason')</script>",
        redirect_uris=["https://x.example.com/cb"],
    )
    for url in (
        "/provider",
        "/provider/listings/hostile",
        "/provider/listings/hostile/versions/1.0.0",
    ):
        html = client.get(url, headers=HTML).text
        assert "<script>alert" not in html, url
        assert not re.search(r'href="javascript:', html), url
        assert "onerror=alert" not in html.replace("onerror=alert(1)&gt;", ""), url
