"""The market as merchants browse it: live listings by category, search and sort, one
listing's page (approved versions, reviews), and merchants' ratings and reviews.

Only shops that have (or had) a service installed may review it, once each; a second
review from the same shop replaces the first, and the listing's rating totals follow.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Subquery, case, func, or_, update
from sqlmodel import Session, col, select

from core.errors import InvalidInput, NotFound, PermissionDenied
from core.models import (
    Account,
    Installation,
    InstallationStatus,
    Listing,
    ListingReview,
    ListingStatus,
    ListingVersion,
    Member,
    PricingModel,
    Shop,
    VersionStatus,
)
from core.models.base import utcnow
from sdk.manifest import Category

PER_PAGE = 24
MAX_QUERY = 100
MAX_REVIEW = 2000


class MarketSort(StrEnum):
    """How the market orders its cards."""

    installs = "installs"
    rating = "rating"
    newest = "newest"


@dataclass(frozen=True)
class ListingCard:
    """What a market card shows of a listing (read as plain columns: a page of cards
    needs no ORM objects)."""

    id: int
    slug: str
    name: str
    summary: str
    icon: str
    pricing_model: PricingModel
    price_fen: int
    trial_days: int
    #: installations not removed (:func:`installs_in_use`)
    install_count: int
    rating_sum: int
    rating_count: int


def installs_in_use() -> Subquery:
    """A listing's install count, the one definition every page shows: its installations
    that are not removed (enabled or paused, whatever their subscription). One grouped pass
    over installations, ``(plugin_id, installs)``; join it on ``Listing.slug`` (a listing
    with none has no row: :func:`install_count_of` reads that as 0)."""
    return (
        select(
            col(Installation.plugin_id).label("plugin_id"),
            func.count(col(Installation.id)).label("installs"),
        )
        .where(col(Installation.status) != InstallationStatus.removed)
        .group_by(col(Installation.plugin_id))
        .subquery("installs_in_use")
    )


def install_count_of(counts: Subquery) -> ColumnElement[int]:
    """The install count column of a query joined to ``counts`` (0 when it has no row)."""
    return func.coalesce(counts.c.installs, 0)


def install_counts(session: Session, *, slugs: Iterable[str]) -> dict[str, int]:
    """:func:`installs_in_use` of each listing in ``slugs`` (0 for an unknown slug)."""
    wanted = sorted(set(slugs))
    if not wanted:
        return {}
    counts = installs_in_use()
    found = dict(
        session.execute(
            select(counts.c.plugin_id, counts.c.installs).where(counts.c.plugin_id.in_(wanted))
        ).all()
    )
    return {slug: int(found.get(slug) or 0) for slug in wanted}


@dataclass(frozen=True)
class MarketPage:
    """One page of live listings and where it sits in the whole result."""

    listings: list[ListingCard]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class ReviewView:
    """A review as the listing page shows it: the words, the stars, the shop's name."""

    review: ListingReview
    shop_name: str


def average_rating(listing: Listing | ListingCard) -> float | None:
    """The mean of the merchants' ratings, or ``None`` before the first."""
    if listing.rating_count <= 0:
        return None
    return listing.rating_sum / listing.rating_count


def _rating_order() -> object:
    """The mean rating as a sort key (0 for unrated listings)."""
    return case(
        (col(Listing.rating_count) > 0, col(Listing.rating_sum) * 1.0 / col(Listing.rating_count)),
        else_=0.0,
    )


def browse_listings(
    session: Session,
    *,
    category: str = "",
    query: str = "",
    sort: MarketSort = MarketSort.installs,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> MarketPage:
    """Live listings in ``category`` (all when empty) whose name or summary contains
    ``query``, ordered by ``sort``, one page of ``per_page``."""
    if category and category not in Category.__members__:
        raise InvalidInput(f"Unknown category '{category}'.", field="query.category")
    page = max(1, page)
    conditions: list[ColumnElement[bool]] = [
        col(Listing.status) == ListingStatus.live,
        # plugins' platform OAuth clients (marketplace.oauth.plugin_connect) are not services
        ~col(Listing.slug).endswith("__connect"),
    ]
    if category:
        conditions.append(col(Listing.category) == category)
    words = query.strip()[:MAX_QUERY]
    if words:
        pattern = f"%{_escape_like(words)}%"
        conditions.append(
            or_(
                col(Listing.name).ilike(pattern, escape="\\"),
                col(Listing.summary).ilike(pattern, escape="\\"),
            )
        )
    total = session.exec(select(func.count()).select_from(Listing).where(*conditions)).one()
    counts = installs_in_use()
    order: list[ColumnElement[Any]] = {
        MarketSort.installs: [install_count_of(counts).desc()],
        MarketSort.rating: [_rating_order().desc(), col(Listing.rating_count).desc()],  # type: ignore[attr-defined]
        MarketSort.newest: [col(Listing.created_at).desc()],
    }[sort]
    rows = session.execute(
        select(*_card_columns(counts))
        .outerjoin(counts, counts.c.plugin_id == col(Listing.slug))
        .where(*conditions)
        .order_by(*order, col(Listing.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    cards = [ListingCard(*row) for row in rows]
    return MarketPage(listings=cards, total=int(total), page=page, per_page=per_page)


def _card_columns(counts: Subquery) -> list[Any]:
    """The columns of :class:`ListingCard`, in its field order, the install count from
    ``counts``."""
    return [
        install_count_of(counts).label("install_count")
        if name == "install_count"
        else getattr(Listing, name)
        for name in ListingCard.__dataclass_fields__
    ]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def get_live_listing(session: Session, *, slug: str) -> Listing:
    """The live listing ``slug``; drafts and suspended listings are not in the market."""
    listing = session.exec(select(Listing).where(Listing.slug == slug)).first()
    if listing is None or listing.status != ListingStatus.live:
        raise NotFound(f"Service '{slug}' was not found in the market.")
    return listing


def approved_versions(session: Session, *, listing: Listing) -> list[ListingVersion]:
    """The listing's approved versions, newest first."""
    return list(
        session.exec(
            select(ListingVersion)
            .where(
                ListingVersion.listing_id == listing.id,
                ListingVersion.status == VersionStatus.approved,
            )
            .order_by(col(ListingVersion.reviewed_at).desc(), col(ListingVersion.id).desc())
        ).all()
    )


def live_version(session: Session, *, listing: Listing) -> ListingVersion | None:
    """The version merchants install now."""
    if listing.live_version_id is None:
        return None
    return session.get(ListingVersion, listing.live_version_id)


def listing_reviews(session: Session, *, listing: Listing, limit: int = 50) -> list[ReviewView]:
    """The newest reviews with their shops' names."""
    rows = session.exec(
        select(ListingReview, Shop.name)
        .join(Shop, col(Shop.id) == col(ListingReview.shop_id))
        .where(ListingReview.listing_id == listing.id)
        .order_by(col(ListingReview.created_at).desc(), col(ListingReview.id).desc())
        .limit(limit)
    ).all()
    return [ReviewView(review=review, shop_name=name) for review, name in rows]


def reviewable_shops(session: Session, *, account: Account, listing: Listing) -> list[Shop]:
    """The person's shops that have or had ``listing`` installed: where they may review it."""
    rows = session.exec(
        select(Shop)
        .join(Member, col(Member.shop_id) == col(Shop.id))
        .join(Installation, col(Installation.shop_id) == col(Shop.id))
        .where(
            Member.account_id == account.id,
            or_(
                col(Installation.listing_id) == listing.id,
                col(Installation.plugin_id) == listing.slug,
            ),
        )
        .order_by(col(Shop.name), col(Shop.id))
        .distinct()
    ).all()
    return list(rows)


def shop_review(session: Session, *, listing: Listing, shop_id: int) -> ListingReview | None:
    return session.exec(
        select(ListingReview).where(
            ListingReview.listing_id == listing.id, ListingReview.shop_id == shop_id
        )
    ).first()


def save_review(
    session: Session,
    *,
    account: Account,
    listing: Listing,
    shop_id: int,
    rating: int,
    body: str,
) -> ListingReview:
    """Rate and review ``listing`` for one shop, or change that shop's review.

    Refused unless the person belongs to the shop and the shop has or had the service.
    """
    if not 1 <= rating <= 5:
        raise InvalidInput("Choose from 1 to 5 stars.", field="rating")
    body = body.strip()
    if len(body) > MAX_REVIEW:
        raise InvalidInput(f"Keep the review under {MAX_REVIEW} characters.", field="body")
    if shop_id not in {
        shop.id for shop in reviewable_shops(session, account=account, listing=listing)
    }:
        raise PermissionDenied(
            "Only shops that installed this service may review it.", code="not_installed"
        )
    assert listing.id is not None and account.id is not None
    review = shop_review(session, listing=listing, shop_id=shop_id)
    if review is None:
        review = ListingReview(
            listing_id=listing.id, shop_id=shop_id, account_id=account.id, rating=rating, body=body
        )
        added_sum, added_count = rating, 1
    else:
        added_sum, added_count = rating - review.rating, 0
        review.rating = rating
        review.body = body
        review.account_id = account.id
        review.created_at = utcnow()
    session.add(review)
    # in SQL, so two shops reviewing at once both count
    session.exec(
        update(Listing)
        .where(col(Listing.id) == listing.id)
        .values(
            rating_sum=Listing.rating_sum + added_sum,
            rating_count=Listing.rating_count + added_count,
        )
    )
    session.flush()
    session.refresh(listing)
    return review
