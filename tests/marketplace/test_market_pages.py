"""The market as merchants see it: browsing, one listing's page, and merchants' reviews."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import core.models as m
from core.models.base import utcnow
from tests.conftest import Factory
from tests.marketplace import marketdata
from tests.webtools import HTML, csrf_from, sign_in

_CARD_NAME = re.compile(r'<strong class="name">([^<]+)</strong>')


def names(html: str) -> list[str]:
    """The names on the market's cards, in page order."""
    return _CARD_NAME.findall(html)


def _used_by(engine: Engine, factory: Factory, slug: str, shops: int) -> None:
    """``shops`` shops install ``slug`` (the market counts installations not removed)."""
    with Session(engine, expire_on_commit=False) as session:
        row = session.exec(select(m.Listing).where(m.Listing.slug == slug)).one()
    for _ in range(shops):
        marketdata.installation(engine, factory.shop(), row)


def test_the_market_shows_live_listings_as_cards(
    client: TestClient, engine: Engine, factory: Factory
) -> None:
    provider = factory.account(is_provider=True)
    marketdata.listing(
        engine,
        provider,
        slug="label_printer",
        name="Label printer",
        summary="Prints waybills",
        icon="🏷️",
        rating_sum=9,
        rating_count=2,
    )
    _used_by(engine, factory, "label_printer", 2)
    marketdata.listing(
        engine,
        provider,
        slug="coupons",
        name="Coupons",
        pricing_model=m.PricingModel.monthly,
        price_fen=1990,
        trial_days=7,
    )
    marketdata.listing(engine, provider, slug="draft_one", status=m.ListingStatus.draft)
    marketdata.listing(engine, provider, slug="stopped", status=m.ListingStatus.suspended)
    page = client.get("/market", headers=HTML)
    assert page.status_code == 200
    assert sorted(names(page.text)) == ["Coupons", "Label printer"]
    assert "Prints waybills" in page.text and "🏷️" in page.text
    assert "★★★★★" in page.text or "★★★★☆" in page.text  # 4.5 rounds to whole stars
    assert "Used by 2 shops" in page.text
    assert "¥19.90/month, 7-day free trial" in page.text
    assert "Free" in page.text


def test_search_category_and_sort(client: TestClient, engine: Engine, factory: Factory) -> None:
    provider = factory.account(is_provider=True)
    now = utcnow()
    marketdata.listing(
        engine,
        provider,
        slug="waybills",
        name="Waybill printer",
        category="logistics",
        rating_sum=3,
        rating_count=1,
        created_at=now - timedelta(days=3),
    )
    marketdata.listing(
        engine,
        provider,
        slug="tracker",
        name="Parcel tracker",
        summary="Follows every waybill",
        category="logistics",
        rating_sum=8,
        rating_count=2,
        created_at=now - timedelta(days=2),
    )
    marketdata.listing(
        engine,
        provider,
        slug="coupons",
        name="Coupons 100%",
        category="marketing",
        rating_sum=5,
        rating_count=1,
        created_at=now - timedelta(days=1),
    )
    _used_by(engine, factory, "waybills", 1)
    _used_by(engine, factory, "tracker", 3)
    _used_by(engine, factory, "coupons", 2)
    by_installs = names(client.get("/market", headers=HTML).text)
    assert by_installs == ["Parcel tracker", "Coupons 100%", "Waybill printer"]
    by_rating = names(client.get("/market?sort=rating", headers=HTML).text)
    assert by_rating == ["Coupons 100%", "Parcel tracker", "Waybill printer"]
    newest = names(client.get("/market?sort=newest", headers=HTML).text)
    assert newest == ["Coupons 100%", "Parcel tracker", "Waybill printer"]
    logistics = names(client.get("/market?category=logistics", headers=HTML).text)
    assert logistics == ["Parcel tracker", "Waybill printer"]
    # name or summary, case-insensitive
    assert names(client.get("/market?q=WAYBILL", headers=HTML).text) == [
        "Parcel tracker",
        "Waybill printer",
    ]
    # LIKE wildcards are plain characters
    assert names(client.get("/market?q=100%25", headers=HTML).text) == ["Coupons 100%"]
    assert names(client.get("/market?q=_", headers=HTML).text) == []
    empty = client.get("/market?q=nothing-like-this", headers=HTML)
    assert "No services match" in empty.text


def test_pages_of_cards(client: TestClient, engine: Engine, factory: Factory) -> None:
    provider = factory.account(is_provider=True)
    for i in range(30):
        marketdata.listing(engine, provider, slug=f"svc_{i:02d}", install_count=i)
    first = client.get("/market", headers=HTML).text
    assert len(names(first)) == 24
    assert "Page 1 of 2" in first and 'rel="next"' in first
    second = client.get("/market?page=2", headers=HTML).text
    assert len(names(second)) == 6
    assert set(names(first)).isdisjoint(names(second))
    assert 'rel="prev"' in second


def test_listing_page_says_what_the_service_may_do_in_plain_words(
    client: TestClient, engine: Engine, factory: Factory
) -> None:
    provider = factory.account(is_provider=True, name="Ink & Paper Ltd")
    marketdata.listing(
        engine,
        provider,
        slug="label_printer",
        name="Label printer",
        description=(
            "Prints **labels**.\n\n<script>alert('x')</script>\n\n"
            "[click](javascript:alert(1)) <img src=x onerror=alert(1)>"
        ),
        scopes=[
            {"scope": "orders:read", "reason": "to print each paid order's label"},
            {"scope": "orders:pii", "reason": "to print the buyer's address"},
        ],
        hooks=["order_paid"],
        release_notes="First release with *A6* labels",
    )
    page = client.get("/market/label_printer", headers=HTML)
    assert page.status_code == 200
    text = page.text
    assert "<strong>labels</strong>" in text  # Markdown rendered
    assert "<script>alert" not in text
    assert "&lt;script&gt;alert" in text  # shown as text
    assert 'href="javascript' not in text and "<img src=x" not in text
    assert "See buyers&#39; names, phone numbers and addresses on orders" in text
    assert "to print the buyer&#39;s address" in text
    assert "<li>an order is paid</li>" in text and "order_paid" not in text
    assert "Ink &amp; Paper Ltd" in text
    assert "<em>A6</em>" in text  # release notes of approved versions
    assert 'href="/market/label_printer/install"' in text


def test_a_remote_app_is_installed_from_its_providers_site(
    client: TestClient, engine: Engine, factory: Factory
) -> None:
    provider = factory.account(is_provider=True)
    marketdata.listing(
        engine,
        provider,
        slug="erp_sync",
        kind="remote",
        manifest={"install_url": "https://erp.example.com/tanzi/install"},
        webhook_topics=["order.paid"],
    )
    marketdata.listing(engine, provider, slug="no_site", kind="remote")
    page = client.get("/market/erp_sync", headers=HTML).text
    assert "Install from the provider's site" in page
    assert 'href="https://erp.example.com/tanzi/install"' in page
    assert "<li>an order is paid</li>" in page  # its webhook topic, in words
    assert "/market/erp_sync/install" not in page
    other = client.get("/market/no_site", headers=HTML).text
    assert "installed from its provider's own site" in other


def test_drafts_and_suspended_listings_have_no_page(
    client: TestClient, engine: Engine, factory: Factory
) -> None:
    provider = factory.account(is_provider=True)
    marketdata.listing(engine, provider, slug="draft_one", status=m.ListingStatus.draft)
    marketdata.listing(engine, provider, slug="stopped", status=m.ListingStatus.suspended)
    assert client.get("/market/draft_one", headers=HTML).status_code == 404
    assert client.get("/market/stopped", headers=HTML).status_code == 404
    assert client.get("/market/missing", headers=HTML).status_code == 404


def _review(client: TestClient, slug: str, **data: object) -> object:
    page = client.get(f"/market/{slug}", headers=HTML)
    return client.post(
        f"/market/{slug}/reviews",
        data={"csrf_token": csrf_from(page.text), **data},
        headers=HTML,
        follow_redirects=False,
    )


def test_only_shops_that_installed_a_service_may_review_it_once_each(
    client: TestClient, engine: Engine, factory: Factory
) -> None:
    provider = factory.account(is_provider=True)
    row = marketdata.listing(engine, provider, slug="label_printer")
    merchant = factory.account()
    shop = factory.shop(merchant, name="Tea House")
    marketdata.installation(
        engine, shop, row, status=m.InstallationStatus.removed
    )  # had it: may still review
    outsider = factory.account()
    factory.shop(outsider, name="Other Shop")

    sign_in(client, outsider.email, "secret-pass")
    page = client.get("/market/label_printer", headers=HTML).text
    assert "Rate this service" not in page
    refused = _review(client, "label_printer", shop_id=shop.id, rating=1, body="spam")
    assert refused.status_code == 403  # type: ignore[attr-defined]

    client.cookies.clear()
    sign_in(client, merchant.email, "secret-pass")
    assert "Rate this service" in client.get("/market/label_printer", headers=HTML).text
    done = _review(client, "label_printer", shop_id=shop.id, rating=4, body="Works <b>well</b>")
    assert done.status_code == 303  # type: ignore[attr-defined]
    changed = _review(client, "label_printer", shop_id=shop.id, rating=2, body="Got slower")
    assert changed.status_code == 303  # type: ignore[attr-defined]
    listing_row = factory.fetch(m.Listing, row.id)
    assert (listing_row.rating_sum, listing_row.rating_count) == (2, 1)
    page = client.get("/market/label_printer", headers=HTML).text
    assert "Got slower" in page and "Works" not in page
    assert "Tea House" in page and "★★☆☆☆" in page

    bad = _review(client, "label_printer", shop_id=shop.id, rating=9, body="")
    assert bad.status_code == 400  # type: ignore[attr-defined]
    assert "Choose from 1 to 5 stars." in bad.text  # type: ignore[attr-defined]
    assert factory.fetch(m.Listing, row.id).rating_sum == 2


def test_review_text_is_shown_inert(client: TestClient, engine: Engine, factory: Factory) -> None:
    provider = factory.account(is_provider=True)
    row = marketdata.listing(engine, provider, slug="label_printer")
    merchant = factory.account()
    shop = factory.shop(merchant)
    marketdata.installation(engine, shop, row)
    sign_in(client, merchant.email, "secret-pass")
    _review(client, "label_printer", shop_id=shop.id, rating=5, body="<script>x()</script>")
    page = client.get("/market/label_printer", headers=HTML).text
    assert "&lt;script&gt;x()&lt;/script&gt;" in page and "<script>x()" not in page
