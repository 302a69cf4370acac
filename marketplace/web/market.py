"""The service market's pages: browse live listings, one listing's page, merchants' reviews.

Installing starts from the listing page: an in-process plugin's consent screen is
``GET /market/{slug}/install`` (``marketplace.oauth.consent``); a remote app is installed
from its provider's own site, which sends the merchant through ``/oauth/authorize``.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from core.api.deps import ReadSessionDep, SessionDep
from core.errors import InvalidInput
from core.models import Account, Listing, ListingVersion
from marketplace.services.catalog import (
    MAX_REVIEW,
    ListingCard,
    MarketSort,
    approved_versions,
    average_rating,
    browse_listings,
    get_live_listing,
    install_counts,
    listing_reviews,
    live_version,
    reviewable_shops,
    save_review,
    shop_review,
)
from marketplace.web.csrf import web_router
from marketplace.web.deps import CurrentAccount, RequireAccount
from marketplace.web.templating import flash, gettext_for, render
from sdk.hook_words import hook_words
from sdk.manifest import Category
from sdk.remote.topics import TOPIC_EVENTS
from sdk.scopes import SCOPES

router = web_router(tags=["market"])

#: Each scope's plain words, by scope string.
PLAIN_WORDS: dict[str, str] = {scope.value: words for scope, words in SCOPES.items()}


def plain_words(scope: str, _: Any) -> str:
    """What ``scope`` lets a service do, in the reader's language (unknown ones as is)."""
    words = PLAIN_WORDS.get(scope)
    return _(words) if words else scope


def category_names(_: Any) -> dict[str, str]:
    """Each category's name in the request's language, in the market's order."""
    return {
        Category.logistics: _("Logistics"),
        Category.marketing: _("Marketing"),
        Category.orders: _("Orders"),
        Category.products: _("Products"),
        Category.finance: _("Finance"),
        Category.service: _("Customer service"),
        Category.data: _("Data"),
        Category.other: _("Other"),
    }


def stars(rating: float | None) -> str:
    """``4.4`` -> ``★★★★☆`` (rounded to whole stars)."""
    full = round(rating or 0)
    return "★" * full + "☆" * (5 - full)


@router.get("/market")
def market_page(
    request: Request,
    session: ReadSessionDep,
    category: Annotated[str, Query(max_length=20)] = "",
    q: Annotated[str, Query(max_length=100)] = "",
    sort: MarketSort = MarketSort.installs,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    """Live services by category, search words and order, a page of cards at a time."""
    _ = gettext_for(request)
    categories = category_names(_)
    if category not in categories:
        category = ""
    result = browse_listings(session, category=category, query=q, sort=sort, page=page)
    session.commit()

    def page_url(number: int) -> str:
        params = {"category": category, "q": q, "sort": sort.value, "page": number}
        return "/market?" + urlencode({k: v for k, v in params.items() if v})

    return render(
        request,
        "market/index.html",
        {
            "result": result,
            "cards": [_card(listing) for listing in result.listings],
            "categories": categories,
            "category": category,
            "q": q,
            "sort": sort.value,
            "sorts": {
                MarketSort.installs.value: _("Most installed"),
                MarketSort.rating.value: _("Best rated"),
                MarketSort.newest.value: _("Newest"),
            },
            "page_url": page_url,
        },
    )


def _card(listing: ListingCard) -> dict[str, Any]:
    rating = average_rating(listing)
    return {"listing": listing, "rating": rating, "stars": stars(rating)}


@router.get("/market/{slug}")
def listing_page(
    slug: str, request: Request, session: ReadSessionDep, account: CurrentAccount
) -> Response:
    """One service: what it does, what it may see and do, its versions, reviews and price."""
    context = _listing_context(session, slug=slug, account=account, _=gettext_for(request))
    session.commit()
    return render(request, "market/listing.html", context)


def _listing_context(
    session: Session,
    *,
    slug: str,
    account: Account | None,
    _: Any,
    review_form: dict[str, Any] | None = None,
    review_error: str = "",
) -> dict[str, Any]:
    listing = get_live_listing(session, slug=slug)
    version = live_version(session, listing=listing)
    provider = session.get(Account, listing.provider_id)
    shops = reviewable_shops(session, account=account, listing=listing) if account else []
    if review_form is None:
        review_form = {"shop_id": shops[0].id if shops else None, "rating": 5, "body": ""}
        if shops:
            assert shops[0].id is not None
            existing = shop_review(session, listing=listing, shop_id=shops[0].id)
            if existing is not None:
                review_form = {
                    "shop_id": existing.shop_id,
                    "rating": existing.rating,
                    "body": existing.body,
                }
    rating = average_rating(listing)
    return {
        "listing": listing,
        "installs": install_counts(session, slugs=[listing.slug])[listing.slug],
        "acts_when": [_(hook_words(hook)) for hook in (version.hooks if version else [])],
        "told_about": [
            _(hook_words(TOPIC_EVENTS.get(topic, topic)))
            for topic in (version.webhook_topics if version else [])
        ],
        "version": version,
        "scopes": _scopes(version, _),
        "provider_name": provider.name if provider is not None else "",
        "versions": approved_versions(session, listing=listing),
        "reviews": [
            {"view": view, "stars": stars(view.review.rating)}
            for view in listing_reviews(session, listing=listing)
        ],
        "rating": rating,
        "stars": stars(rating),
        "install_url": _install_url(listing, version),
        "review_shops": shops,
        "review_form": review_form,
        "review_error": review_error,
        "max_review": MAX_REVIEW,
    }


def _scopes(version: ListingVersion | None, _: Any) -> list[dict[str, str]]:
    """The version's scopes in the reader's words (translated here, so the page escapes
    them like any text), each with the provider's reason."""
    if version is None:
        return []
    return [
        {
            "scope": str(entry.get("scope", "")),
            "words": plain_words(str(entry.get("scope", "")), _),
            "reason": str(entry.get("reason") or ""),
        }
        for entry in version.scopes
        if entry.get("scope")
    ]


def _install_url(listing: Listing, version: ListingVersion | None) -> str:
    """The consent screen for a plugin; the provider's install page for a remote app
    (``""`` when its manifest names none)."""
    if version is None:
        return ""
    if version.kind != "remote":
        return f"/market/{listing.slug}/install"
    url = str(version.manifest.get("install_url") or "")
    return url if url.startswith(("https://", "http://")) else ""


@router.post("/market/{slug}/reviews")
def review(
    slug: str,
    request: Request,
    session: SessionDep,
    account: RequireAccount,
    shop_id: Annotated[int, Form()],
    rating: Annotated[int, Form()],
    body: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Rate and review the service for one of the person's shops (or change that review)."""
    _ = gettext_for(request)
    listing = get_live_listing(session, slug=slug)
    try:
        save_review(
            session, account=account, listing=listing, shop_id=shop_id, rating=rating, body=body
        )
    except InvalidInput as exc:
        session.rollback()
        message = {
            "rating": _("Choose from 1 to 5 stars."),
            "body": _("Keep the review under %(n)s characters.") % {"n": MAX_REVIEW},
        }.get(exc.field or "", exc.detail)
        form = {"shop_id": shop_id, "rating": rating, "body": body}
        context = _listing_context(
            session, slug=slug, account=account, _=_, review_form=form, review_error=message
        )
        return render(request, "market/listing.html", context, status_code=400)
    session.commit()
    flash(request, _("Thank you: your review is saved."), "success")
    return RedirectResponse(f"/market/{slug}#reviews", status_code=303)
