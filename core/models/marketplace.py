"""The service market: listings and their versions, reviews by admins and by merchants,
subscriptions, the admin audit log, and the OAuth authorization server's records."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from core.models.base import created_at_field, datetime_field, json_field


class ListingStatus(StrEnum):
    draft = "draft"  # no approved version yet: only its provider sees it
    live = "live"  # has an approved version; merchants can install it
    suspended = "suspended"  # an admin stopped it: no events, no API access


class PricingModel(StrEnum):
    free = "free"
    monthly = "monthly"


class Listing(SQLModel, table=True):
    """A service as merchants see it in the market. ``slug`` is the installation's
    ``plugin_id``: the in-process plugin's id, or the remote app's own slug."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=63, unique=True, index=True)
    provider_id: int = Field(foreign_key="account.id", index=True)
    name: str = Field(max_length=80)
    summary: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=20000)  # Markdown, sanitized on render
    category: str = Field(default="other", max_length=20, index=True)
    icon: str = Field(default="", max_length=500)  # an emoji or an https URL
    pricing_model: PricingModel = PricingModel.free
    price_fen: int = 0  # per month when monthly
    trial_days: int = 7
    status: ListingStatus = Field(default=ListingStatus.draft, index=True)
    status_reason: str = Field(default="", max_length=1000)
    live_version_id: int | None = None
    install_count: int = 0
    rating_sum: int = 0
    rating_count: int = 0
    #: only shops holding the 交易保障 certification may install it (an exclusive right)
    certified_shops_only: bool = False
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class VersionStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"  # in the review queue
    approved = "approved"
    rejected = "rejected"


class ListingVersion(SQLModel, table=True):
    """One version of a listing and its manifest.

    ``kind`` is ``plugin`` (an in-process plugin, ``plugin_id``) or ``remote`` (the
    provider's server: ``redirect_uris`` and ``webhook_url``). ``scopes`` holds
    ``{"scope": ..., "reason": ...}`` pairs; ``checks`` the automated review's report.
    """

    __table_args__ = (UniqueConstraint("listing_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    listing_id: int = Field(foreign_key="listing.id", index=True)
    version: str = Field(max_length=40)
    kind: str = Field(default="plugin", max_length=10)
    plugin_id: str = Field(default="", max_length=63)
    redirect_uris: list[str] = json_field()
    webhook_url: str = Field(default="", max_length=500)
    webhook_topics: list[str] = json_field()
    hooks: list[str] = json_field()
    scopes: list[dict] = json_field()
    manifest: dict = json_field(dict)
    release_notes: str = Field(default="", max_length=5000)
    status: VersionStatus = Field(default=VersionStatus.draft, index=True)
    review_reason: str = Field(default="", max_length=2000)
    checks: dict = json_field(dict)
    checks_passed: bool | None = None
    submitted_at: datetime | None = datetime_field()
    reviewed_at: datetime | None = datetime_field()
    reviewed_by: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = created_at_field()


class ListingReview(SQLModel, table=True):
    """A merchant's rating (1-5) and words about a service their shop installed."""

    __table_args__ = (UniqueConstraint("listing_id", "shop_id"),)

    id: int | None = Field(default=None, primary_key=True)
    listing_id: int = Field(foreign_key="listing.id", index=True)
    shop_id: int = Field(foreign_key="shop.id")
    account_id: int = Field(foreign_key="account.id")
    rating: int
    body: str = Field(default="", max_length=2000)
    created_at: datetime = created_at_field()


class SubscriptionStatus(StrEnum):
    trialing = "trialing"
    active = "active"
    expired = "expired"
    canceled = "canceled"


class Subscription(SQLModel, table=True):
    """A shop's subscription to a paid listing. ``current_period_end`` is when access lapses
    unless renewed (the end of the trial first)."""

    id: int | None = Field(default=None, primary_key=True)
    installation_id: int = Field(foreign_key="installation.id", unique=True)
    listing_id: int = Field(foreign_key="listing.id", index=True)
    shop_id: int = Field(foreign_key="shop.id", index=True)
    status: SubscriptionStatus = SubscriptionStatus.trialing
    price_fen: int = 0
    current_period_end: datetime | None = datetime_field()
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class AuditLogEntry(SQLModel, table=True):
    """One platform-admin action: approve, reject, suspend, reinstate..."""

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, foreign_key="account.id")
    action: str = Field(max_length=40, index=True)
    target_type: str = Field(max_length=40)
    target_id: int
    reason: str = Field(default="", max_length=2000)
    data: dict = json_field(dict)
    created_at: datetime = created_at_field()


class OAuthClient(SQLModel, table=True):
    """A remote app's OAuth client. Public clients have no secret and must use PKCE."""

    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(max_length=64, unique=True, index=True)
    client_secret_hash: str = Field(default="", max_length=64)
    listing_id: int = Field(foreign_key="listing.id", index=True)
    redirect_uris: list[str] = json_field()
    is_public: bool = False
    #: the webhook signing secret, encrypted (``core.crypto``); shown to the provider
    webhook_secret: str = Field(default="", max_length=200)
    #: the secret before the last rotation, encrypted; deliveries carry its signature too
    #: until ``previous_webhook_secret_until``, so the app can switch without a gap
    previous_webhook_secret: str = Field(default="", max_length=200)
    previous_webhook_secret_until: datetime | None = datetime_field()
    created_at: datetime = created_at_field()


class AuthorizationCode(SQLModel, table=True):
    """A one-time code from the consent screen, stored hashed; works once, briefly."""

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(max_length=64, unique=True, index=True)
    client_id: str = Field(max_length=64)
    account_id: int = Field(foreign_key="account.id")
    shop_id: int = Field(foreign_key="shop.id")
    installation_id: int = Field(foreign_key="installation.id")
    redirect_uri: str = Field(max_length=500)
    scopes: list[str] = json_field()
    code_challenge: str = Field(default="", max_length=128)
    code_challenge_method: str = Field(default="", max_length=10)
    expires_at: datetime = created_at_field()
    used_at: datetime | None = datetime_field()
    created_at: datetime = created_at_field()


class RefreshToken(SQLModel, table=True):
    """A refresh token, stored hashed. Using it rotates it: the old one is revoked."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    client_id: str = Field(max_length=64, index=True)
    installation_id: int = Field(foreign_key="installation.id", index=True)
    shop_id: int = Field(foreign_key="shop.id")
    scopes: list[str] = json_field()
    access_token_id: int | None = Field(default=None, foreign_key="accesstoken.id")
    #: issued for the installation's whole grant (not narrowed by the client): a refresh
    #: without ``scope`` then gets the grant as it stands, wider after a re-consent
    follows_grant: bool = False
    expires_at: datetime | None = datetime_field()
    revoked_at: datetime | None = datetime_field()
    created_at: datetime = created_at_field()
