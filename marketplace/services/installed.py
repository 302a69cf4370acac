"""The services installed in a shop, as its merchants manage them.

Listing them with their listing and subscription, uninstalling with a cleanup window, and
re-consent: when an approved newer version asks for more scopes, the installation records
it as pending (``pending_version`` / ``pending_scopes``) and keeps running the old version
until a merchant approves the added scopes here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from core.errors import InvalidState, NotFound, PermissionDenied
from core.models import (
    Account,
    Area,
    Installation,
    InstallationStatus,
    Listing,
    ListingVersion,
    Member,
    Shop,
    Subscription,
)
from core.models.base import utcnow
from core.plugins.installations import (
    bump_plugins_version,
    get_installation,
    remove_installation,
)
from core.plugins.service_status import ServiceStatus, service_status, service_statuses
from marketplace.services.grants import may_install
from marketplace.services.subscriptions import SubscriptionState, aware, subscription_state


@dataclass(frozen=True)
class ShopSeat:
    """A person's place in a shop: whether they may manage its services."""

    shop: Shop
    can_manage: bool

    @property
    def shop_id(self) -> int:
        assert self.shop.id is not None
        return self.shop.id


@dataclass(frozen=True)
class InstalledService:
    """One installation with what its page shows next to it."""

    installation: Installation
    listing: Listing | None
    subscription: SubscriptionState | None
    now: datetime
    #: what it does now (suspended / lapsed win over the stored enabled)
    status: ServiceStatus = ServiceStatus.running

    @property
    def name(self) -> str:
        return self.listing.name if self.listing is not None else self.installation.plugin_id

    @property
    def slug(self) -> str:
        return self.installation.plugin_id

    @property
    def added_scopes(self) -> list[str]:
        """Scopes the pending version asks for beyond what was granted."""
        granted = set(self.installation.granted_scopes)
        return [s for s in self.installation.pending_scopes if s not in granted]

    @property
    def awaiting_consent(self) -> bool:
        return bool(self.installation.pending_version)

    @property
    def in_cleanup(self) -> bool:
        """Removed, but the service may still clean up until ``cleanup_until``."""
        until = self.installation.cleanup_until
        return (
            self.installation.status is InstallationStatus.removed
            and until is not None
            and aware(until) > self.now
        )


def shop_seat(session: Session, *, account: Account, shop_id: int) -> ShopSeat:
    """The person's seat in the shop; a shop they are not a member of is not found."""
    shop = session.get(Shop, shop_id)
    member = session.exec(
        select(Member.id).where(Member.shop_id == shop_id, Member.account_id == account.id)
    ).first()
    if shop is None or member is None:
        raise NotFound(f"Shop {shop_id} was not found.")
    return ShopSeat(shop=shop, can_manage=may_install(session, account=account, shop_id=shop_id))


def require_manage(seat: ShopSeat) -> None:
    """Refuse a member whose role lacks the ``marketplace`` permission."""
    if not seat.can_manage:
        raise PermissionDenied(
            "Your role in this shop lacks the 'marketplace' permission needed to manage services.",
            code="missing_permission",
            extra={"missing_permission": Area.marketplace.value},
        )


def shop_services(
    session: Session, *, shop_id: int, now: datetime | None = None
) -> list[InstalledService]:
    """The shop's installations, newest first, except removed ones past their cleanup."""
    now = now or utcnow()
    rows = session.exec(
        select(Installation, Listing, Subscription)
        .outerjoin(Listing, col(Listing.id) == col(Installation.listing_id))
        .outerjoin(Subscription, col(Subscription.installation_id) == col(Installation.id))
        .where(
            Installation.shop_id == shop_id,
            or_(
                col(Installation.status) != InstallationStatus.removed,
                and_(
                    col(Installation.cleanup_until).is_not(None),
                    col(Installation.cleanup_until) > now,
                ),
            ),
        )
        .order_by(col(Installation.created_at).desc(), col(Installation.id).desc())
    ).all()
    statuses = service_statuses(session, [row for row, _, _ in rows], now=now)
    return [_view(row, listing, sub, now, statuses[row.id or 0]) for row, listing, sub in rows]


def shop_service(
    session: Session, *, shop_id: int, slug: str, now: datetime | None = None
) -> InstalledService:
    """One installation of the shop (removed ones too: their page says so)."""
    now = now or utcnow()
    row = session.exec(
        select(Installation, Listing, Subscription)
        .outerjoin(Listing, col(Listing.id) == col(Installation.listing_id))
        .outerjoin(Subscription, col(Subscription.installation_id) == col(Installation.id))
        .where(Installation.shop_id == shop_id, Installation.plugin_id == slug)
    ).first()
    if row is None:
        raise NotFound(f"'{slug}' is not installed in shop {shop_id}.")
    installation, listing, subscription = row
    status = service_status(session, installation, now=now)
    return _view(installation, listing, subscription, now, status)


def _view(
    installation: Installation,
    listing: Listing | None,
    subscription: Subscription | None,
    now: datetime,
    status: ServiceStatus,
) -> InstalledService:
    state = subscription_state(subscription, now=now) if subscription is not None else None
    return InstalledService(
        installation=installation, listing=listing, subscription=state, now=now, status=status
    )


def uninstall_service(
    session: Session,
    *,
    shop_id: int,
    slug: str,
    cleanup_s: int,
    now: datetime | None = None,
) -> Installation:
    """Remove the service from the shop. Hooks and events stop at once; its
    ``installation_removed`` hook or webhook still runs, and its tokens keep working for
    ``cleanup_s`` seconds so it can undo what it created."""
    now = now or utcnow()
    existing = get_installation(session, shop_id=shop_id, plugin_id=slug)
    if existing is None:
        raise NotFound(f"'{slug}' is not installed in shop {shop_id}.")
    if existing.status is InstallationStatus.removed:
        raise InvalidState("This service was already removed.", code="already_removed")
    row = remove_installation(session, shop_id=shop_id, plugin_id=slug)
    row.cleanup_until = now + timedelta(seconds=cleanup_s)
    row.pending_version = ""
    row.pending_scopes = []
    session.add(row)
    session.flush()
    return row


def approve_pending_version(session: Session, *, installation: Installation) -> Installation:
    """The merchant's re-consent: move to the pending version with the scopes it asks for."""
    if installation.status is InstallationStatus.removed:
        raise InvalidState("A removed service cannot be updated.")
    if not installation.pending_version:
        raise InvalidState("No newer version is waiting for your approval.", code="nothing_pending")
    if installation.kind == "remote" and installation.listing_id is not None:
        version = session.exec(
            select(ListingVersion).where(
                ListingVersion.listing_id == installation.listing_id,
                ListingVersion.version == installation.pending_version,
            )
        ).first()
        if version is not None:
            installation.webhook_url = version.webhook_url
            installation.webhook_topics = list(version.webhook_topics)
    installation.version = installation.pending_version
    installation.granted_scopes = sorted(set(installation.pending_scopes))
    installation.pending_version = ""
    installation.pending_scopes = []
    session.add(installation)
    session.flush()
    bump_plugins_version(session, shop_id=installation.shop_id)
    return installation
