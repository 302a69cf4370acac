"""The provider API: a provider's listings and versions, with a personal access token.

``POST /api/v1/provider/listings/{slug}/versions`` is what ``tanzi-sdk submit`` calls; it
answers ``201`` with the version's id, status and automated checks report.
``POST /api/v1/provider/listings/{slug}/webhook-secret`` rotates a remote app's webhook
signing secret. Bad input is a
422 problem with field paths; a caller who is not a provider gets 403; someone else's
listing is a 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from sqlmodel import Session

from core.api.deps import PageParams, PrincipalDep, ReadSessionDep, SessionDep, SettingsDep
from core.api.pagination import decode_cursor, encode_cursor
from core.errors import PermissionDenied
from core.models import Account, Listing, ListingVersion
from marketplace.services.listings import (
    VersionInput,
    create_version,
    get_version,
    listing_versions,
    own_listing,
    provider_listings,
    versions_by_listing,
)
from marketplace.services.oauth_clients import rotate_webhook_secret

router = APIRouter(prefix="/api/v1/provider", tags=["provider"])


def get_provider(principal: PrincipalDep, session: ReadSessionDep) -> Account:
    """The caller as a provider account (a person's token, not an app's)."""
    account = session.get(Account, principal.account_id) if principal.account_id else None
    session.commit()
    session.expunge_all()  # from the read session: a write route may add it to its own
    if principal.scopes is not None or account is None or not account.is_provider:
        raise PermissionDenied(
            "Only service providers may publish listings, with their personal access token.",
            code="providers_only",
        )
    return account


ProviderDep = Annotated[Account, Depends(get_provider)]


class VersionPublic(BaseModel):
    """One version as its provider sees it, with the review's outcome."""

    id: int
    listing: str
    version: str
    kind: str
    status: str
    plugin_id: str
    redirect_uris: list[str]
    webhook_url: str
    webhook_topics: list[str]
    scopes: list[dict[str, Any]]
    hooks: list[str]
    release_notes: str
    review_reason: str
    checks: dict[str, Any]
    checks_passed: bool | None
    submitted_at: datetime | None
    reviewed_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, version: ListingVersion, listing: Listing) -> VersionPublic:
        return cls(
            id=version.id or 0,
            listing=listing.slug,
            version=version.version,
            kind=version.kind,
            status=version.status.value,
            plugin_id=version.plugin_id,
            redirect_uris=version.redirect_uris,
            webhook_url=version.webhook_url,
            webhook_topics=version.webhook_topics,
            scopes=version.scopes,
            hooks=version.hooks,
            release_notes=version.release_notes,
            review_reason=version.review_reason,
            checks=version.checks,
            checks_passed=version.checks_passed,
            submitted_at=version.submitted_at,
            reviewed_at=version.reviewed_at,
            created_at=version.created_at,
        )


class ListingPublic(BaseModel):
    slug: str
    name: str
    status: str
    status_reason: str
    category: str
    pricing_model: str
    price_fen: int
    trial_days: int
    live_version: str | None
    versions: list[str]


class ListingList(BaseModel):
    """One page of listings; pass ``next_cursor`` back as ``cursor`` for the next one."""

    items: list[ListingPublic]
    next_cursor: str | None = None


class SubmittedVersion(BaseModel):
    """The answer to a new version: ``checks`` is the automated review's report."""

    id: int
    version: str
    status: str
    checks: dict[str, Any]
    checks_passed: bool | None


def _listing_public(
    session: Session, listing: Listing, versions: list[ListingVersion] | None = None
) -> ListingPublic:
    """The API view of ``listing`` with its versions, newest first (loaded when not given)."""
    if versions is None:
        versions = listing_versions(session, listing=listing)
    live = next((v.version for v in versions if v.id == listing.live_version_id), None)
    return ListingPublic(
        slug=listing.slug,
        name=listing.name,
        status=listing.status.value,
        status_reason=listing.status_reason,
        category=listing.category,
        pricing_model=listing.pricing_model.value,
        price_fen=listing.price_fen,
        trial_days=listing.trial_days,
        live_version=live,
        versions=[v.version for v in versions],
    )


@router.get("/listings", response_model=ListingList)
def list_listings(provider: ProviderDep, session: ReadSessionDep, page: PageParams) -> ListingList:
    """The caller's listings, newest first, with their versions, a page at a time."""
    cursor, limit = page
    after_id = decode_cursor(cursor) if cursor else None
    rows = provider_listings(session, provider=provider, after_id=after_id, limit=limit + 1)
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1].id or 0)
    versions = versions_by_listing(session, listing_ids=[x.id or 0 for x in rows])
    items = [_listing_public(session, x, versions[x.id or 0]) for x in rows]
    session.commit()
    return ListingList(items=items, next_cursor=next_cursor)


@router.post("/listings/{slug}/versions", status_code=201, response_model=SubmittedVersion)
def post_version(
    slug: str,
    body: VersionInput,
    request: Request,
    provider: ProviderDep,
    session: SessionDep,
    settings: SettingsDep,
) -> SubmittedVersion:
    """Add a version to one of the caller's listings; ``submit`` puts it in the review queue
    at once (the automated checks run then, and their report is in the answer)."""
    listing = own_listing(session, provider=provider, slug=slug)
    version = create_version(
        session, listing=listing, data=body, host=request.app.state.plugins, settings=settings
    )
    session.commit()
    return SubmittedVersion(
        id=version.id or 0,
        version=version.version,
        status=version.status.value,
        checks=version.checks,
        checks_passed=version.checks_passed,
    )


@router.get("/listings/{slug}/versions/{version}", response_model=VersionPublic)
def read_version(
    slug: str, version: str, provider: ProviderDep, session: ReadSessionDep
) -> VersionPublic:
    """One version of one of the caller's listings, with its review status and checks."""
    listing = own_listing(session, provider=provider, slug=slug)
    row = get_version(session, listing=listing, version=version)
    session.commit()
    return VersionPublic.of(row, listing)


class RotatedWebhookSecret(BaseModel):
    """A new webhook signing secret, shown this once, and until when deliveries also carry
    the replaced secret's signature."""

    webhook_secret: str
    previous_secret_signs_until: datetime


@router.post("/listings/{slug}/webhook-secret", response_model=RotatedWebhookSecret)
def rotate_listing_webhook_secret(
    slug: str, provider: ProviderDep, session: SessionDep, settings: SettingsDep
) -> RotatedWebhookSecret:
    """Rotate the app's webhook secret: deliveries are signed with the new one, and with the
    old one too until ``previous_secret_signs_until`` (24 hours), so the app can switch
    without missing one. 409 ``no_client`` before a remote version was approved."""
    listing = own_listing(session, provider=provider, slug=slug)
    secret, until = rotate_webhook_secret(session, settings=settings, listing=listing)
    session.commit()
    return RotatedWebhookSecret(webhook_secret=secret, previous_secret_signs_until=until)
