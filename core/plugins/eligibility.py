"""Which installations may receive events and answer decisions right now.

An installation is left out while its listing or its shop is suspended by a platform admin,
or while its paid subscription has lapsed (status ``expired``, or ``current_period_end`` passed). Each
shop's hook view filters through :func:`filter_eligible`; the delivery fan-out and the
deliveries themselves ask :func:`ineligible_reasons`, so an event that arrives while the
service may not have it is kept as a dead delivery that says why (``subscription_expired``
``listing_suspended`` or ``shop_suspended``), which a replay sends once the service may have it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from core.models import (
    Installation,
    Listing,
    ListingStatus,
    Shop,
    Subscription,
    SubscriptionStatus,
)
from core.models.base import utcnow


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


#: The ``last_error`` prefixes of deliveries held back by :func:`ineligible_reasons`.
SUBSCRIPTION_EXPIRED = "subscription_expired"
LISTING_SUSPENDED = "listing_suspended"
SHOP_SUSPENDED = "shop_suspended"


def filter_eligible(
    session: Session, rows: Sequence[Installation], *, now: datetime | None = None
) -> tuple[list[Installation], datetime | None]:
    """``rows`` without the suspended or lapsed ones, and when the answer next changes by
    itself (the earliest subscription period end still ahead; ``None`` if none).

    Three small queries, none when ``rows`` is empty.
    """
    reasons, recheck_at = ineligible_reasons(session, rows, now=now)
    return [r for r in rows if r.id not in reasons], recheck_at


def ineligible_reasons(
    session: Session, rows: Sequence[Installation], *, now: datetime | None = None
) -> tuple[dict[int, str], datetime | None]:
    """Why each of ``rows`` that may not have events now may not (installation id to a
    message starting with its code), and when the answer next changes by itself."""
    if not rows:
        return {}, None
    now = now or utcnow()
    plugin_ids = {r.plugin_id for r in rows}
    suspended = set(
        session.exec(
            select(Listing.slug).where(
                col(Listing.slug).in_(plugin_ids), Listing.status == ListingStatus.suspended
            )
        ).all()
    )
    ids = [r.id for r in rows if r.id is not None]
    reasons: dict[int, str] = {}
    recheck_at: datetime | None = None
    for installation_id, status, period_end in session.exec(
        select(
            Subscription.installation_id, Subscription.status, Subscription.current_period_end
        ).where(col(Subscription.installation_id).in_(ids))
    ).all():
        end = _aware(period_end)
        if status == SubscriptionStatus.expired or (end is not None and end <= now):
            since = f" on {end:%Y-%m-%d %H:%M} UTC" if end is not None else ""
            reasons[installation_id] = (
                f"{SUBSCRIPTION_EXPIRED}: the shop's subscription lapsed{since}; "
                "events wait here until it is renewed and replayed"
            )
        elif end is not None and (recheck_at is None or end < recheck_at):
            recheck_at = end
    for row in rows:
        if row.plugin_id in suspended and row.id is not None:
            reasons[row.id] = (
                f"{LISTING_SUSPENDED}: a platform admin suspended this service; "
                "events wait here until it is reinstated and replayed"
            )
    suspended_shops = set(
        session.exec(
            select(Shop.id).where(
                col(Shop.id).in_({r.shop_id for r in rows}), col(Shop.suspended_at).is_not(None)
            )
        ).all()
    )
    for row in rows:
        if row.shop_id in suspended_shops and row.id is not None:
            reasons[row.id] = (
                f"{SHOP_SUSPENDED}: a platform admin suspended this shop; "
                "events wait here until it is reinstated and replayed"
            )
    return reasons, recheck_at
