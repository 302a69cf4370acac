"""Grant a service to a shop: the merchant approved the consent screen.

One service for both kinds of listing: an in-process plugin is enabled through
``core.plugins.installations.enable_plugin``; a remote app gets an ``Installation`` of kind
``remote`` with its version's webhook URL and topics and the signing secret of the
listing's OAuth client. Either way the installation points at its listing, the listing's
install count grows on a shop's first install, and a paid listing starts a trial
subscription.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from core.auth import shop_suspended
from core.crypto import decrypt_secret
from core.errors import InvalidInput, InvalidState, NotFound, PermissionDenied
from core.models import (
    Account,
    Area,
    Installation,
    InstallationStatus,
    Listing,
    ListingStatus,
    ListingVersion,
    Member,
    OAuthClient,
    PricingModel,
    Role,
    Shop,
    Subscription,
    SubscriptionStatus,
)
from core.models.base import utcnow
from core.outbox import record_event
from core.plugins.installations import (
    bump_plugins_version,
    enable_plugin,
    get_installation,
    installation_for_update,
    installation_snapshot,
)
from core.plugins.manager import PluginHost
from core.services.guarantee import is_certified
from core.settings import Settings
from marketplace.oauth.tokens import end_installation_tokens


def may_install(session: Session, *, account: Account, shop_id: int) -> bool:
    """Whether the person may install services in the shop: its owner, or a member whose
    role holds the ``marketplace`` permission."""
    found = session.exec(
        select(Member.is_owner, Role.areas)
        .outerjoin(Role, Role.id == Member.role_id)  # type: ignore[arg-type]
        .where(Member.shop_id == shop_id, Member.account_id == account.id)
    ).first()
    if found is None:
        return False
    is_owner, areas = found
    return bool(is_owner) or Area.marketplace.value in (areas or [])


def installable_shops(session: Session, *, account: Account) -> list[Shop]:
    """The shops where the person may install services, by name."""
    rows = session.exec(
        select(Shop, Member.is_owner, Role.areas)
        .join(Member, Member.shop_id == Shop.id)  # type: ignore[arg-type]
        .outerjoin(Role, Role.id == Member.role_id)  # type: ignore[arg-type]
        .where(Member.account_id == account.id)
        .order_by(Shop.name, Shop.id)  # type: ignore[arg-type]
    ).all()
    return [
        shop
        for shop, is_owner, areas in rows
        if is_owner or Area.marketplace.value in (areas or [])
    ]


def version_scopes(version: ListingVersion) -> list[str]:
    """The scopes a version asks for, in its manifest's order."""
    return [str(entry["scope"]) for entry in version.scopes if entry.get("scope")]


def grant_installation(
    session: Session,
    *,
    host: PluginHost,
    settings: Settings,
    account: Account,
    shop_id: int,
    listing: Listing,
    version: ListingVersion,
    scopes: list[str],
) -> Installation:
    """Install ``listing`` at ``version`` in the shop with the ``scopes`` the person granted.

    Refused when the person may not install there (404 if they are not in the shop at all,
    403 without the ``marketplace`` permission), when the listing is not live, and when a
    scope was not asked for by the version. Re-granting an installed service replaces its
    scopes and version and re-enables it; reinstalling a removed one first ends every token
    issued before its removal.
    """
    assert account.id is not None and listing.id is not None
    if not may_install(session, account=account, shop_id=shop_id):
        in_shop = session.exec(
            select(Member.id).where(Member.shop_id == shop_id, Member.account_id == account.id)
        ).first()
        if in_shop is None:
            raise NotFound(f"Shop {shop_id} was not found.")
        raise PermissionDenied(
            "Your role in this shop lacks the 'marketplace' permission needed to install services.",
            code="missing_permission",
            extra={"missing_permission": Area.marketplace.value},
        )
    shop = session.get(Shop, shop_id)
    if shop is not None and shop.suspended_at is not None:
        raise shop_suspended(shop)
    if listing.status != ListingStatus.live or version.listing_id != listing.id:
        raise InvalidState(f"'{listing.name}' cannot be installed now.", code="listing_unavailable")
    if listing.certified_shops_only and not is_certified(session, shop_id):
        raise InvalidState(
            f"'{listing.name}' is open only to shops certified for the transaction guarantee "
            "(交易保障); see the guarantee page of your console for what to improve.",
            code="guarantee_required",
        )
    extra = sorted(set(scopes) - set(version_scopes(version)))
    if extra:
        raise InvalidInput(f"The service did not ask for: {', '.join(extra)}.", field="scopes")
    existing = get_installation(session, shop_id=shop_id, plugin_id=listing.slug)
    first_install = existing is None
    if existing is not None and existing.status is InstallationStatus.removed:
        # a reinstall is a new grant: nothing issued before the removal may work again
        assert existing.id is not None
        end_installation_tokens(session, installation_id=existing.id)
    if version.kind == "remote":
        row = _grant_remote(
            session,
            settings=settings,
            shop_id=shop_id,
            listing=listing,
            version=version,
            scopes=scopes,
        )
    else:
        row = enable_plugin(
            session, host=host, shop_id=shop_id, plugin_id=listing.slug, granted_scopes=scopes
        )
    row.listing_id = listing.id
    row.pending_version = ""
    row.pending_scopes = []
    row.cleanup_until = None
    session.add(row)
    if first_install:
        session.exec(
            update(Listing)
            .where(Listing.id == listing.id)  # type: ignore[arg-type]
            .values(install_count=Listing.install_count + 1)
        )
    if listing.pricing_model == PricingModel.monthly:
        _start_subscription(session, installation=row, listing=listing)
    session.flush()
    return row


def _grant_remote(
    session: Session,
    *,
    settings: Settings,
    shop_id: int,
    listing: Listing,
    version: ListingVersion,
    scopes: list[str],
) -> Installation:
    client = session.exec(select(OAuthClient).where(OAuthClient.listing_id == listing.id)).first()
    if client is None:
        raise InvalidState(f"'{listing.name}' has no OAuth client yet.", code="listing_unavailable")
    if client.webhook_secret:
        # fail here, not at the first delivery, if the secret key changed since registration
        decrypt_secret(settings.secret_key, client.webhook_secret)
    row = installation_for_update(
        session, shop_id=shop_id, plugin_id=listing.slug, version=version.version
    )
    row.kind = "remote"
    row.version = version.version
    row.status = InstallationStatus.enabled
    row.granted_scopes = sorted(set(scopes))
    row.webhook_url = version.webhook_url
    row.webhook_topics = list(version.webhook_topics)
    row.webhook_secret = client.webhook_secret
    row.removed_at = None
    session.add(row)
    session.flush()
    assert row.id is not None
    bump_plugins_version(session, shop_id=shop_id)
    record_event(
        session,
        name="installation_created",
        shop_id=shop_id,
        resource_type="installation",
        resource_id=row.id,
        data=installation_snapshot(row),
    )
    return row


def _start_subscription(session: Session, *, installation: Installation, listing: Listing) -> None:
    """A trial for a shop's first install of a paid listing; a reinstall keeps its
    subscription (and gets no second trial)."""
    existing = session.exec(
        select(Subscription).where(Subscription.installation_id == installation.id)
    ).first()
    if existing is not None:
        return
    assert installation.id is not None and listing.id is not None
    session.add(
        Subscription(
            installation_id=installation.id,
            listing_id=listing.id,
            shop_id=installation.shop_id,
            status=SubscriptionStatus.trialing,
            price_fen=listing.price_fen,
            current_period_end=utcnow() + timedelta(days=listing.trial_days),
        )
    )
