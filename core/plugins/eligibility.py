"""Which installations may receive events and answer decisions right now.

An installation is left out while its listing is suspended by a platform admin, or while its
paid subscription has lapsed (status ``expired``, or ``current_period_end`` passed). The
delivery fan-out and each shop's hook view both filter through :func:`filter_eligible`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from core.models import Installation, Listing, ListingStatus, Subscription, SubscriptionStatus
from core.models.base import utcnow


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def filter_eligible(
    session: Session, rows: Sequence[Installation], *, now: datetime | None = None
) -> tuple[list[Installation], datetime | None]:
    """``rows`` without the suspended or lapsed ones, and when the answer next changes by
    itself (the earliest subscription period end still ahead; ``None`` if none).

    Two small queries, none when ``rows`` is empty.
    """
    if not rows:
        return [], None
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
    lapsed: set[int] = set()
    recheck_at: datetime | None = None
    for installation_id, status, period_end in session.exec(
        select(
            Subscription.installation_id, Subscription.status, Subscription.current_period_end
        ).where(col(Subscription.installation_id).in_(ids))
    ).all():
        end = _aware(period_end)
        if status == SubscriptionStatus.expired or (end is not None and end <= now):
            lapsed.add(installation_id)
        elif end is not None and (recheck_at is None or end < recheck_at):
            recheck_at = end
    kept = [r for r in rows if r.plugin_id not in suspended and r.id not in lapsed]
    return kept, recheck_at
