"""Failed automated checks block approval: the service refuses, the admin page says why and
offers no approve button, and the provider is told what failed and how to fix it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import core.models as m
from core.errors import InvalidState
from marketplace.services.review import approve_version
from tests.marketplace.providerdata import draft_listing, version_row
from tests.webtools import HTML, csrf_from, sign_in

PASSWORD = "review-gate-pass"
FAILED_URLS = {
    "passed": False,
    "results": [
        {"name": "manifest", "status": "pass", "findings": []},
        {
            "name": "urls",
            "status": "fail",
            "findings": [
                {
                    "severity": "error",
                    "message": "http://copier.example.com/hooks must be an https:// URL",
                    "where": "webhook_url",
                }
            ],
        },
    ],
}


def _failed_version(engine: Engine, factory: Any) -> m.ListingVersion:
    provider = factory.account(password=PASSWORD, is_provider=True, name="Lin Provider")
    row = draft_listing(engine, provider, slug="order_copier", name="Order copier")
    return version_row(
        engine,
        row,
        kind="remote",
        redirect_uris=["https://copier.example.com/cb"],
        checks=FAILED_URLS,
        checks_passed=False,
    )


def test_the_service_refuses_to_approve_a_version_whose_checks_failed(
    engine: Engine, factory: Any, settings: Any
) -> None:
    version = _failed_version(engine, factory)
    admin = factory.account(is_admin=True)
    with Session(engine) as session:
        row = session.get(m.ListingVersion, version.id)
        listing = session.get(m.Listing, version.listing_id)
        assert row is not None and listing is not None
        with pytest.raises(InvalidState) as refused:
            approve_version(session, settings=settings, admin=admin, version=row, listing=listing)
        assert refused.value.code == "checks_failed"
        assert refused.value.extra["failed_checks"] == ["urls"]
        assert refused.value.status == 409


def test_the_service_refuses_a_version_whose_checks_never_ran(
    engine: Engine, factory: Any, settings: Any
) -> None:
    provider = factory.account(is_provider=True)
    row = draft_listing(engine, provider, slug="order_copier")
    version = version_row(engine, row, kind="remote", redirect_uris=["https://x.example.com/cb"])
    admin = factory.account(is_admin=True)
    with Session(engine) as session:
        stored = session.get(m.ListingVersion, version.id)
        listing = session.get(m.Listing, row.id)
        assert stored is not None and listing is not None
        with pytest.raises(InvalidState) as refused:
            approve_version(
                session, settings=settings, admin=admin, version=stored, listing=listing
            )
        assert refused.value.code == "checks_not_run"


def test_the_admin_page_shows_why_and_offers_no_approve_button(
    client: TestClient, factory: Any, engine: Engine
) -> None:
    version = _failed_version(engine, factory)
    admin = factory.account(password=PASSWORD, is_admin=True)
    sign_in(client, admin.email, PASSWORD)
    page = client.get(f"/admin/versions/{version.id}", headers=HTML)
    assert page.status_code == 200
    assert f'action="/admin/versions/{version.id}/approve"' not in page.text
    assert "Failed automated checks block approval." in page.text
    assert "Use https:// addresses for the redirect URIs and the webhook URL." in page.text
    assert f'action="/admin/versions/{version.id}/reject"' in page.text
    # a hand-made post is refused too, and the version stays in the queue
    token = csrf_from(page.text)
    forced = client.post(
        f"/admin/versions/{version.id}/approve",
        data={"csrf_token": token},
        headers=HTML,
        follow_redirects=False,
    )
    assert forced.status_code == 409
    assert "these automated checks failed: URLs" in forced.text
    with Session(engine) as session:
        stored = session.get(m.ListingVersion, version.id)
        listing = session.get(m.Listing, version.listing_id)
        assert stored is not None and listing is not None
        assert (stored.status, listing.status, listing.live_version_id) == (
            "submitted",
            "draft",
            None,
        )
        assert session.exec(select(m.AuditLogEntry)).all() == []


def test_the_admin_page_in_chinese_names_the_failed_check(
    client: TestClient, factory: Any, engine: Engine
) -> None:
    version = _failed_version(engine, factory)
    admin = factory.account(password=PASSWORD, is_admin=True)
    sign_in(client, admin.email, PASSWORD)
    page = client.get(f"/admin/versions/{version.id}", headers={**HTML, "Accept-Language": "zh-CN"})
    assert "不能批准" in page.text
    assert "网址" in page.text and "修复方法" in page.text


def test_a_provider_whose_submission_failed_a_check_is_not_told_it_went_well(
    client: TestClient, factory: Any, engine: Engine
) -> None:
    provider = factory.account(password=PASSWORD, is_provider=True)
    sign_in(client, provider.email, PASSWORD)
    draft_listing(engine, provider, slug="order_copier")
    page_url = "/provider/listings/order_copier/versions/new"
    token = csrf_from(client.get(page_url, headers=HTML).text)
    form = {
        "version": "1.0.0",
        "kind": "remote",
        "redirect_uris": "https://copier.example.com/cb\n",
        "webhook_url": "http://copier.example.com/hooks",
        "webhook_topics": ["order.paid"],
        "scope_orders:read": "1",
        "reason_orders:read": "to copy paid orders",
        "action": "submit",
        "csrf_token": token,
    }
    done = client.post(
        "/provider/listings/order_copier/versions",
        data=form,
        headers=HTML,
        follow_redirects=False,
    )
    assert done.status_code == 303
    page = client.get(done.headers["location"], headers=HTML)
    assert 'class="flash success"' not in page.text
    assert 'class="flash error"' in page.text
    assert "these automated checks failed: URLs" in page.text
    assert "How to fix it: Use https:// addresses" in page.text
