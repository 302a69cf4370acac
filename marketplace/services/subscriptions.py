"""Subscriptions to paid services: the trial, lapsing, renewal and cancellation.

A paid listing's first install starts a trial (``marketplace.services.grants`` creates the
``Subscription``). When its period ends without a renewal it is *expired*: the token guard
(``core.auth``) and the hook filter then refuse the service in that shop with
``subscription_expired``. Renewing takes one month's price through the payment provider
(the sandbox in development) and runs the next month from the end of the paid period, or
from now when it had lapsed. Cancelling stops renewals; access lasts to the period's end.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from core.errors import InvalidState, NotFound
from core.models import Installation, Listing, Subscription, SubscriptionStatus
from core.models.base import utcnow
from core.services.payments import PaymentFailed, PaymentProvider

#: Statuses whose period is running; when it ends they lapse to ``expired``.
RUNNING = (SubscriptionStatus.trialing, SubscriptionStatus.active)


class PaymentDeclined(InvalidState):
    """The payment provider refused the renewal."""

    status, code, title = 402, "payment_failed", "Payment failed"


@dataclass(frozen=True)
class SubscriptionState:
    """What the merchant is shown: the status as of now and whether they can renew."""

    subscription: Subscription
    status: SubscriptionStatus
    ends_at: datetime | None
    now: datetime

    @property
    def lapsed(self) -> bool:
        """The service no longer runs in the shop: expired, or cancelled and over."""
        return self.status is SubscriptionStatus.expired or (
            self.ends_at is not None and self.ends_at <= self.now
        )

    @property
    def cancelable(self) -> bool:
        return self.status in RUNNING


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time here is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def add_month(moment: datetime) -> datetime:
    """The same day and time next month (the 31st becomes the month's last day)."""
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def current_status(subscription: Subscription, *, now: datetime) -> SubscriptionStatus:
    """The status as of ``now``: a running period that has ended reads as expired even
    before :func:`expire_lapsed_subscriptions` has marked it."""
    end = subscription.current_period_end
    if subscription.status in RUNNING and end is not None and aware(end) <= now:
        return SubscriptionStatus.expired
    return subscription.status


def subscription_state(subscription: Subscription, *, now: datetime) -> SubscriptionState:
    return SubscriptionState(
        subscription=subscription,
        status=current_status(subscription, now=now),
        ends_at=aware(subscription.current_period_end)
        if subscription.current_period_end is not None
        else None,
        now=now,
    )


def expire_lapsed_subscriptions(
    session: Session, *, now: datetime | None = None, shop_id: int | None = None
) -> int:
    """Mark trialing and active subscriptions whose period ended as expired (all shops, or
    one). Returns how many lapsed. Idempotent; the caller commits."""
    now = now or utcnow()
    conditions = [
        col(Subscription.status).in_(list(RUNNING)),
        col(Subscription.current_period_end).is_not(None),
        col(Subscription.current_period_end) <= now,
    ]
    if shop_id is not None:
        conditions.append(col(Subscription.shop_id) == shop_id)
    result = session.exec(
        update(Subscription)
        .where(*conditions)
        .values(status=SubscriptionStatus.expired, updated_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount or 0)


def installation_subscription(
    session: Session, *, installation: Installation
) -> Subscription | None:
    return session.exec(
        select(Subscription).where(Subscription.installation_id == installation.id)
    ).first()


def _require(session: Session, installation: Installation) -> Subscription:
    subscription = installation_subscription(session, installation=installation)
    if subscription is None:
        raise NotFound(f"'{installation.plugin_id}' has no subscription in this shop.")
    return subscription


def renew_subscription(
    session: Session,
    *,
    installation: Installation,
    payment: PaymentProvider,
    now: datetime | None = None,
) -> Subscription:
    """Pay one month at the listing's current price; the subscription becomes active.

    Paid ahead, the month follows the current period; lapsed (or cancelled and over), it
    starts now. A declined payment raises :class:`PaymentDeclined` and changes nothing.
    """
    now = now or utcnow()
    subscription = _require(session, installation)
    listing = session.get(Listing, subscription.listing_id)
    price = listing.price_fen if listing is not None else subscription.price_fen
    end = subscription.current_period_end
    start = aware(end) if end is not None and aware(end) > now else now
    try:
        payment.charge(
            order_id=0,
            amount_fen=price,
            currency="CNY",
            idempotency_key=f"subscription-{subscription.id}-{start.isoformat()}",
        )
    except PaymentFailed as exc:
        raise PaymentDeclined(exc.detail, code=exc.code) from exc
    subscription.status = SubscriptionStatus.active
    subscription.price_fen = price
    subscription.current_period_end = add_month(start)
    subscription.updated_at = now
    session.add(subscription)
    session.flush()
    return subscription


def cancel_subscription(
    session: Session, *, installation: Installation, now: datetime | None = None
) -> Subscription:
    """Stop renewing; the service keeps working until the paid (or trial) period ends."""
    now = now or utcnow()
    subscription = _require(session, installation)
    if current_status(subscription, now=now) not in RUNNING:
        raise InvalidState("Only a running subscription can be cancelled.")
    subscription.status = SubscriptionStatus.canceled
    subscription.updated_at = now
    session.add(subscription)
    session.flush()
    return subscription
