"""Platform admins' decisions on listings: approve or reject a submitted version, suspend and
reinstate a live listing. Every decision writes an audit log entry.

Approving makes the version live. Installations already granted every scope it asks for move
to it at once; the others keep running their version and get ``pending_version`` /
``pending_scopes`` until the merchant consents again. A remote version's approval registers
(or updates) the listing's OAuth client; its provider then makes a client secret in the
console, shown once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, select

from core.crypto import decrypt_secret
from core.errors import InvalidInput, InvalidState, NotFound
from core.models import (
    Account,
    Installation,
    InstallationStatus,
    Listing,
    ListingStatus,
    ListingVersion,
    OAuthClient,
    Shop,
    VersionStatus,
)
from core.models.base import utcnow
from core.security import new_token, token_hash
from core.services.audit import record_action
from core.settings import Settings
from marketplace.services.oauth_clients import CLIENT_SECRET_PREFIX, register_oauth_client
from sdk.remote import standard_secret

MAX_REASON = 2000


@dataclass(frozen=True)
class Approval:
    """What approving moved: installations upgraded, and those waiting for re-consent."""

    version: ListingVersion
    upgraded: int
    awaiting_consent: int
    client_id: str = ""


def review_queue(session: Session) -> list[tuple[ListingVersion, Listing, Account | None]]:
    """Submitted versions, oldest first, each with its listing and provider."""
    rows = session.exec(
        select(ListingVersion, Listing, Account)
        .join(Listing, col(Listing.id) == col(ListingVersion.listing_id))
        .outerjoin(Account, col(Account.id) == col(Listing.provider_id))
        .where(ListingVersion.status == VersionStatus.submitted)
        .order_by(col(ListingVersion.submitted_at), col(ListingVersion.id))
    ).all()
    return [(v, listing, provider) for v, listing, provider in rows]


def get_version_by_id(session: Session, *, version_id: int) -> tuple[ListingVersion, Listing]:
    version = session.get(ListingVersion, version_id)
    listing = session.get(Listing, version.listing_id) if version is not None else None
    if version is None or listing is None:
        raise NotFound("No such version.", code="version_not_found")
    return version, listing


def _required_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise InvalidInput("Say why: the provider reads this reason.", field="reason")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"Keep the reason under {MAX_REASON} characters.", field="reason")
    return reason


def _require_submitted(version: ListingVersion) -> None:
    if version.status != VersionStatus.submitted:
        raise InvalidState(
            f"Only a submitted version is reviewed; this one is {version.status.value}.",
            code="not_submitted",
        )


def require_checks_passed(version: ListingVersion) -> None:
    """Refuse what has not passed the automated checks: a failed check blocks approval.

    :raises InvalidState: ``checks_not_run`` when no report is stored, ``checks_failed``
        (with ``failed_checks``) when one of the checks failed.
    """
    from core.plugins.review_checks import failed_checks

    if version.checks_passed is None or not version.checks:
        raise InvalidState(
            "The automated checks have not run on this version; run them before approving.",
            code="checks_not_run",
        )
    failed = failed_checks(version.checks)
    if failed or not version.checks_passed:
        raise InvalidState(
            "Failed automated checks block approval: "
            + ", ".join(failed or ["checks"])
            + ". The provider fixes them and submits a new version.",
            code="checks_failed",
            extra={"failed_checks": failed},
        )


def approve_version(
    session: Session,
    *,
    settings: Settings,
    admin: Account,
    version: ListingVersion,
    listing: Listing,
    note: str = "",
) -> Approval:
    """Make ``version`` the listing's live version and move its installations to it.

    :raises InvalidState: when it is not submitted, or its automated checks failed or never
        ran (:func:`require_checks_passed`).
    """
    _require_submitted(version)
    require_checks_passed(version)
    now = utcnow()
    version.status = VersionStatus.approved
    version.review_reason = note.strip()[:MAX_REASON]
    version.reviewed_at = now
    version.reviewed_by = admin.id
    listing.live_version_id = version.id
    if listing.status != ListingStatus.suspended:
        listing.status = ListingStatus.live
    listing.updated_at = now
    client_id = ""
    if version.kind == "remote":
        # the secrets made here are not kept in clear anywhere; the provider's console makes
        # a fresh client secret and shows it once (see new_client_credentials)
        client_id, _, _ = register_oauth_client(
            session, settings=settings, listing=listing, redirect_uris=version.redirect_uris
        )
    upgraded, waiting = _move_installations(session, listing=listing, version=version)
    session.add(version)
    session.add(listing)
    record_action(
        session,
        actor_id=admin.id,
        action="approve_version",
        target_type="listing_version",
        target_id=version.id or 0,
        reason=version.review_reason,
        data={
            "listing": listing.slug,
            "version": version.version,
            "upgraded": upgraded,
            "awaiting_consent": waiting,
        },
    )
    return Approval(version, upgraded, waiting, client_id)


def _move_installations(
    session: Session, *, listing: Listing, version: ListingVersion
) -> tuple[int, int]:
    """Upgrade installations whose grant covers the version; flag the rest for re-consent."""
    asked = sorted({str(s.get("scope")) for s in version.scopes})
    rows = session.exec(
        select(Installation).where(
            Installation.plugin_id == listing.slug,
            Installation.status != InstallationStatus.removed,
        )
    ).all()
    upgraded = waiting = 0
    for row in rows:
        if set(asked) - set(row.granted_scopes):
            row.pending_version = version.version
            row.pending_scopes = asked
            waiting += 1
        else:
            row.version = version.version
            row.pending_version = ""
            row.pending_scopes = []
            row.listing_id = listing.id
            if version.kind == "remote":
                row.webhook_url = version.webhook_url
                row.webhook_topics = list(version.webhook_topics)
            upgraded += 1
        session.add(row)
    session.flush()
    return upgraded, waiting


def reject_version(
    session: Session, *, admin: Account, version: ListingVersion, listing: Listing, reason: str
) -> ListingVersion:
    """Refuse a submitted version with the reason its provider reads."""
    reason = _required_reason(reason)
    _require_submitted(version)
    version.status = VersionStatus.rejected
    version.review_reason = reason
    version.reviewed_at = utcnow()
    version.reviewed_by = admin.id
    session.add(version)
    record_action(
        session,
        actor_id=admin.id,
        action="reject_version",
        target_type="listing_version",
        target_id=version.id or 0,
        reason=reason,
        data={"listing": listing.slug, "version": version.version},
    )
    return version


def _bump_shops(session: Session, *, listing: Listing) -> None:
    """Shops with this listing installed re-read their plugins (the kernel's cached views)."""
    shop_ids = select(Installation.shop_id).where(Installation.plugin_id == listing.slug)
    session.execute(
        update(Shop)
        .where(col(Shop.id).in_(shop_ids))
        .values(plugins_version=col(Shop.plugins_version) + 1)
        .execution_options(synchronize_session=False)
    )


def suspend_listing(session: Session, *, admin: Account, listing: Listing, reason: str) -> Listing:
    """Stop a live listing: no new installs, no events, its tokens refused, until reinstated."""
    reason = _required_reason(reason)
    if listing.status != ListingStatus.live:
        raise InvalidState("Only a live listing is suspended.", code="not_live")
    listing.status = ListingStatus.suspended
    listing.status_reason = reason
    listing.updated_at = utcnow()
    session.add(listing)
    _bump_shops(session, listing=listing)
    record_action(
        session,
        actor_id=admin.id,
        action="suspend_listing",
        target_type="listing",
        target_id=listing.id or 0,
        reason=reason,
        data={"listing": listing.slug},
    )
    return listing


def reinstate_listing(
    session: Session, *, admin: Account, listing: Listing, reason: str = ""
) -> Listing:
    """Undo a suspension: the listing is live again (draft if it never had a live version)."""
    if listing.status != ListingStatus.suspended:
        raise InvalidState("Only a suspended listing is reinstated.", code="not_suspended")
    listing.status = ListingStatus.live if listing.live_version_id else ListingStatus.draft
    listing.status_reason = ""
    listing.updated_at = utcnow()
    session.add(listing)
    _bump_shops(session, listing=listing)
    record_action(
        session,
        actor_id=admin.id,
        action="reinstate_listing",
        target_type="listing",
        target_id=listing.id or 0,
        reason=reason.strip()[:MAX_REASON],
        data={"listing": listing.slug},
    )
    return listing


def listing_client(session: Session, *, listing: Listing) -> OAuthClient | None:
    """The listing's OAuth client, once a remote version was approved."""
    return session.exec(select(OAuthClient).where(OAuthClient.listing_id == listing.id)).first()


def new_client_credentials(
    session: Session, *, settings: Settings, listing: Listing
) -> dict[str, str]:
    """A fresh client secret for the listing's OAuth client (the old one stops working) and
    its webhook signing secret, to show the provider once; only the secret's hash is kept.

    :raises InvalidState: before a remote version of the listing was approved.
    """
    client = listing_client(session, listing=listing)
    if client is None:
        raise InvalidState(
            "The OAuth client is made when a remote version is approved.", code="no_client"
        )
    client_secret = new_token(CLIENT_SECRET_PREFIX)
    client.client_secret_hash = token_hash(client_secret)
    client.is_public = False
    session.add(client)
    session.flush()
    return {
        "client_id": client.client_id,
        "client_secret": client_secret,
        "webhook_secret": standard_secret(
            decrypt_secret(settings.secret_key, client.webhook_secret)
        ),
    }
