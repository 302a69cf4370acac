"""The one access guard: who is calling, and may they do this in that shop.

People carry personal tokens and act with their member permissions (role areas); services
carry OAuth tokens bound to one installation and act with its granted scopes. Every shop
route and the in-process client ask :func:`authorize_shop`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select as select_row
from sqlmodel import Session, col, select

from core.errors import NotFound, PermissionDenied, Unauthenticated
from core.models import (
    AccessToken,
    Account,
    Area,
    Installation,
    InstallationStatus,
    Listing,
    ListingStatus,
    Member,
    Role,
    Shop,
    Subscription,
    SubscriptionStatus,
)
from core.security import token_hash
from sdk.scopes import Scope

#: The member permission area that covers each scope; ``None`` means any member.
SCOPE_AREAS: dict[Scope, Area | None] = {
    Scope.shop_read: None,
    Scope.shop_write: Area.data,
    Scope.products_read: Area.products,
    Scope.products_write: Area.products,
    Scope.orders_read: Area.orders,
    Scope.orders_write: Area.orders,
    Scope.orders_pii: Area.orders,
    Scope.aftersales_read: Area.orders,
    Scope.aftersales_write: Area.orders,
    Scope.logistics_read: Area.logistics,
    Scope.logistics_write: Area.logistics,
    Scope.members_read: Area.members,
    Scope.members_write: Area.members,
}


#: The scopes that change a shop; a suspended shop's people may use none of them.
WRITE_SCOPES: frozenset[Scope] = frozenset(s for s in Scope if s.value.endswith(":write"))


@dataclass(frozen=True)
class Principal:
    """The caller. ``scopes`` is set for services and ``None`` for people."""

    account_id: int | None
    kind: str = "personal"
    scopes: frozenset[str] | None = None
    shop_id: int | None = None
    installation_id: int | None = None
    is_admin: bool = False


@dataclass(frozen=True)
class ShopAccess:
    """A principal cleared for one scope in one shop."""

    shop: Shop
    principal: Principal
    member: Member | None = None
    areas: frozenset[str] = field(default_factory=frozenset)

    @property
    def shop_id(self) -> int:
        assert self.shop.id is not None
        return self.shop.id

    def can(self, scope: Scope) -> bool:
        """Whether this caller also holds ``scope`` (e.g. ``orders:pii`` to see addresses)."""
        if self.principal.scopes is not None:
            return scope.value in self.principal.scopes
        if self.member is not None and self.member.is_owner:
            return True
        area = SCOPE_AREAS[scope]
        return area is None or area.value in self.areas


@cache
def _token_lookup() -> Any:
    """The guard's query, built once (building it costs more than running it): the token
    with its account's admin flag and suspension, its installation (status and current
    grant), the installation's shop (suspended?), listing and subscription."""
    return (
        select_row(
            AccessToken,
            col(Account.is_admin),
            col(Account.suspended_at),
            col(Installation.status),
            col(Installation.granted_scopes),
            col(Installation.cleanup_until),
            col(Shop.suspended_at),
            col(Listing.status),
            col(Subscription.status),
            col(Subscription.current_period_end),
        )
        .outerjoin(Account, col(Account.id) == col(AccessToken.account_id))
        .outerjoin(Installation, col(Installation.id) == col(AccessToken.installation_id))
        .outerjoin(Shop, col(Shop.id) == col(Installation.shop_id))
        .outerjoin(Listing, col(Listing.id) == col(Installation.listing_id))
        .outerjoin(Subscription, col(Subscription.installation_id) == col(Installation.id))
        .where(col(AccessToken.token_hash) == bindparam("token_hash"))
    )


def principal_from_token(session: Session, token: str) -> Principal:
    """Resolve a bearer token to a principal, or raise :class:`Unauthenticated`.

    One query reads the token with what decides whether a token still works: a personal
    token's account (suspended by an admin); a service token's installation (paused, or
    removed and past the cleanup window, and its current grant, which caps the token's
    scopes), its shop and its listing (suspended by an admin) and its subscription
    (expired, or its paid period over).
    """
    found = session.exec(_token_lookup(), params={"token_hash": token_hash(token)}).first()
    if found is None or found[0].revoked_at is not None:
        raise Unauthenticated("The access token is unknown or revoked.", code="invalid_token")
    (
        row,
        account_is_admin,
        account_suspended_at,
        install_status,
        granted_scopes,
        cleanup_until,
        shop_suspended_at,
        listing_status,
        sub_status,
        period_end,
    ) = found
    now = datetime.now(UTC)
    if row.expires_at is not None and _aware(row.expires_at) <= now:
        raise Unauthenticated("The access token has expired.", code="token_expired")
    if row.kind == "personal" and account_suspended_at is not None:
        raise account_suspended()
    if row.installation_id is not None:
        _check_installation(install_status, cleanup_until, now)
        if shop_suspended_at is not None:
            raise PermissionDenied(
                "The shop is suspended by the platform; its services' tokens do not work.",
                code="shop_suspended",
            )
        if listing_status == ListingStatus.suspended:
            raise PermissionDenied(
                "The service's listing is suspended by the platform; its tokens do not work.",
                code="listing_suspended",
            )
        if sub_status == SubscriptionStatus.expired or (
            sub_status is not None and period_end is not None and _aware(period_end) <= now
        ):
            raise PermissionDenied(
                "The shop's subscription to this service has expired; renew it to restore access.",
                code="subscription_expired",
            )
    is_admin = row.kind == "personal" and bool(account_is_admin)
    scopes: frozenset[str] | None = None
    if row.kind != "personal":
        # a token never outgrows the installation's current grant: narrowing the grant
        # narrows every token already issued
        scopes = frozenset(row.scopes)
        if row.installation_id is not None:
            scopes &= frozenset(granted_scopes or ())
    return Principal(
        account_id=row.account_id,
        kind=row.kind,
        scopes=scopes,
        shop_id=row.shop_id,
        installation_id=row.installation_id,
        is_admin=is_admin,
    )


def _check_installation(
    status: InstallationStatus | None, cleanup_until: datetime | None, now: datetime
) -> None:
    """Refuse a service token whose installation is gone, paused, or removed for good.

    A removed installation keeps its tokens until ``cleanup_until``, so the service can
    still undo what it created in the shop.
    """
    if status is None:
        raise Unauthenticated("The token's installation no longer exists.", code="invalid_token")
    if status == InstallationStatus.paused:
        raise PermissionDenied(
            "The merchant paused this service in the shop.", code="installation_paused"
        )
    if status == InstallationStatus.removed and (
        cleanup_until is None or _aware(cleanup_until) <= now
    ):
        raise Unauthenticated(
            "The service was removed from the shop; its tokens no longer work.",
            code="installation_removed",
        )


def authorize_shop(
    session: Session, principal: Principal, shop_id: int, scope: Scope
) -> ShopAccess:
    """Clear ``principal`` for ``scope`` in ``shop_id``.

    A shop the caller has no tie to is reported as not found, so shop ids leak nothing.
    A service acts with its own scopes narrowed to its installation's grant as it stands
    now (read on every call, so the in-process client obeys a narrowed grant too), and not
    at all in a suspended shop; the shop's people may still read a suspended shop, not
    change it.
    """
    shop = session.get(Shop, shop_id)
    if principal.scopes is not None:  # a service
        if shop is None or principal.shop_id != shop_id:
            raise NotFound(f"Shop {shop_id} was not found.")
        if shop.suspended_at is not None:
            raise shop_suspended(shop)
        principal = _within_current_grant(session, principal)
        if scope.value not in principal.scopes:  # type: ignore[operator]
            raise PermissionDenied(
                f"This installation was not granted the '{scope.value}' scope.",
                code="scope_denied",
                extra={"missing_scope": scope.value},
            )
        return ShopAccess(shop=shop, principal=principal)
    member = None
    if shop is not None and principal.account_id is not None:
        member = session.exec(
            select(Member).where(
                Member.shop_id == shop_id, Member.account_id == principal.account_id
            )
        ).first()
    if shop is None or member is None:
        raise NotFound(f"Shop {shop_id} was not found.")
    areas: frozenset[str] = frozenset(a.value for a in Area) if member.is_owner else frozenset()
    if not member.is_owner and member.role_id is not None:
        role = session.get(Role, member.role_id)
        areas = frozenset(role.areas) if role else frozenset()
    if shop.suspended_at is not None and scope in WRITE_SCOPES:
        raise shop_suspended(shop)
    access = ShopAccess(shop=shop, principal=principal, member=member, areas=areas)
    if not access.can(scope):
        area = SCOPE_AREAS[scope]
        raise PermissionDenied(
            f"Your role in this shop lacks the '{area}' permission needed for '{scope.value}'.",
            code="missing_permission",
            extra={"missing_permission": str(area)},
        )
    return access


def _within_current_grant(session: Session, principal: Principal) -> Principal:
    """``principal`` with its scopes cut to what its installation is granted right now."""
    if principal.installation_id is None or principal.scopes is None:
        return principal
    installation = session.get(Installation, principal.installation_id)
    granted = frozenset(installation.granted_scopes) if installation is not None else frozenset()
    if principal.scopes <= granted:
        return principal
    return replace(principal, scopes=principal.scopes & granted)


def shop_suspended(shop: Shop) -> PermissionDenied:
    """The 403 for acting in a shop a platform admin suspended."""
    reason = f" Reason: {shop.suspension_reason}" if shop.suspension_reason else ""
    return PermissionDenied(
        f"Shop {shop.id} is suspended by the platform.{reason}", code="shop_suspended"
    )


def account_suspended() -> PermissionDenied:
    """The 403 for a suspended account's credentials."""
    return PermissionDenied(
        "This account is suspended by the platform; contact support.", code="account_suspended"
    )


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
