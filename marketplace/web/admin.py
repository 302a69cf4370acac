"""The admin console: the review queue, approve / reject, suspend / reinstate, the audit log.

Every page needs a platform admin. Each decision is one form post; a refused one (a reject
without a reason) comes back with the message beside the field.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from core.api.deps import ReadSessionDep, SessionDep, SettingsDep
from core.errors import InvalidInput, InvalidState, NotFound
from core.models import Account, Listing, ListingVersion
from core.plugins.review_checks import CHECK_TITLES, FIX_HINTS
from core.services.audit import audit_entries
from marketplace.services.catalog import install_counts
from marketplace.services.listings import rerun_checks
from marketplace.services.review import (
    approve_version,
    get_version_by_id,
    reinstate_listing,
    reject_version,
    require_checks_passed,
    review_queue,
    suspend_listing,
)
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAdmin
from marketplace.web.provider import _version_context
from marketplace.web.templating import flash, gettext_for, render

router = web_router(tags=["admin"])
AUDIT_PAGE = 50
#: Listings on one page of the admin's listings table.
LISTINGS_PAGE = 50


@router.get("/admin")
def queue_page(request: Request, session: ReadSessionDep, admin: RequireAdmin) -> Response:
    """Submitted versions, oldest first, each with its checks report beside it."""
    items = [
        {
            "version": v,
            "listing": listing,
            "provider": provider,
            "checks": v.checks.get("results", []),
            "check_titles": CHECK_TITLES,
            "fix_hints": FIX_HINTS,
        }
        for v, listing, provider in review_queue(session)
    ]
    session.commit()
    return render(request, "admin/queue.html", {"items": items})


def _version_page(
    request: Request,
    session: Session,
    *,
    version_id: int,
    reason: str = "",
    error: str = "",
    approve_error: str = "",
    status_code: int = 200,
) -> Response:
    version, listing = get_version_by_id(session, version_id=version_id)
    provider = session.get(Account, listing.provider_id)
    installs = install_counts(session, slugs=[listing.slug])[listing.slug]
    session.commit()
    context: dict[str, Any] = _version_context(listing, version)
    context.update(
        provider=provider,
        installs=installs,
        reason=reason,
        error=error,
        approve_error=approve_error,
        approval_blocked=_approval_blocked(version),
    )
    return render(request, "admin/version.html", context, status_code=status_code)


def _approval_blocked(version: ListingVersion) -> str:
    """Why the approve button is not offered (``checks_failed`` / ``checks_not_run``), or ""."""
    try:
        require_checks_passed(version)
    except InvalidState as blocked:
        return blocked.code
    return ""


@router.get("/admin/versions/{version_id}")
def version_page(
    version_id: int, request: Request, session: ReadSessionDep, admin: RequireAdmin
) -> Response:
    """One submitted version: manifest, checks, and the approve / reject forms."""
    return _version_page(request, session, version_id=version_id)


@router.post("/admin/versions/{version_id}/approve")
def approve(
    version_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    admin: RequireAdmin,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    version, listing = get_version_by_id(session, version_id=version_id)
    _ = gettext_for(request)
    try:
        approval = approve_version(
            session, settings=settings, admin=admin, version=version, listing=listing, note=note
        )
    except (InvalidInput, InvalidState) as refused:
        # a failed automated check, or a redirect URI the OAuth server cannot accept
        session.rollback()
        if refused.code == "checks_failed":
            why = _("It cannot be approved: these automated checks failed: %(checks)s.") % {
                "checks": ", ".join(
                    _(CHECK_TITLES.get(name, name))
                    for name in refused.extra.get("failed_checks", [])
                )
            }
        elif refused.code == "checks_not_run":
            why = _("It cannot be approved: the automated checks have not run. Run them first.")
        else:
            why = _("It cannot be approved: %(why)s") % {"why": refused.detail}
        return _version_page(
            request,
            session,
            version_id=version_id,
            approve_error=why,
            status_code=refused.status if isinstance(refused, InvalidState) else 400,
        )
    session.commit()
    flash(
        request,
        _(
            "Approved %(listing)s %(version)s: %(upgraded)s installations upgraded, "
            "%(waiting)s waiting for the merchant's consent."
        )
        % {
            "listing": listing.name,
            "version": version.version,
            "upgraded": approval.upgraded,
            "waiting": approval.awaiting_consent,
        },
        "success",
    )
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/versions/{version_id}/checks")
def run_checks_again(
    version_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    admin: RequireAdmin,
) -> Response:
    """Run the automated checks of a submitted version again."""
    version, listing = get_version_by_id(session, version_id=version_id)
    rerun_checks(
        session,
        version=version,
        listing=listing,
        host=request.app.state.plugins,
        settings=settings,
        admin=admin,
    )
    session.commit()
    _ = gettext_for(request)
    flash(request, _("The automated checks ran again."), "success")
    return RedirectResponse(f"/admin/versions/{version_id}", status_code=303)


@router.post("/admin/versions/{version_id}/reject")
def reject(
    version_id: int,
    request: Request,
    session: SessionDep,
    admin: RequireAdmin,
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    version, listing = get_version_by_id(session, version_id=version_id)
    try:
        reject_version(session, admin=admin, version=version, listing=listing, reason=reason)
    except InvalidInput:
        session.rollback()
        _ = gettext_for(request)
        return _version_page(
            request,
            session,
            version_id=version_id,
            reason=reason,
            error=_("Say why: the provider reads this reason."),
            status_code=400,
        )
    session.commit()
    _ = gettext_for(request)
    flash(
        request,
        _("Rejected %(listing)s %(version)s.")
        % {"listing": listing.name, "version": version.version},
        "success",
    )
    return RedirectResponse("/admin", status_code=303)


# -- listings -------------------------------------------------------------------------------


def _listing_by_slug(session: Session, slug: str) -> Listing:
    listing = session.exec(select(Listing).where(Listing.slug == slug)).first()
    if listing is None:
        raise NotFound("No such listing.", code="listing_not_found")
    return listing


def _listings_page(
    request: Request,
    session: Session,
    *,
    after: int | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    statement = (
        select(Listing, Account)
        .outerjoin(Account, col(Account.id) == col(Listing.provider_id))
        .order_by(col(Listing.name), col(Listing.id))
        .limit(LISTINGS_PAGE + 1)
    )
    last = session.get(Listing, after) if after is not None else None
    if last is not None:  # the page after that listing, in (name, id) order
        statement = statement.where(
            or_(
                col(Listing.name) > last.name,
                and_(col(Listing.name) == last.name, col(Listing.id) > last.id),
            )
        )
    rows = session.exec(statement).all()
    next_after = rows[LISTINGS_PAGE - 1][0].id if len(rows) > LISTINGS_PAGE else None
    rows = rows[:LISTINGS_PAGE]
    live_versions = {
        v.id: v.version
        for v in session.exec(
            select(ListingVersion).where(
                col(ListingVersion.id).in_(
                    [r[0].live_version_id for r in rows if r[0].live_version_id]
                )
            )
        )
    }
    installs = install_counts(session, slugs=[listing.slug for listing, _ in rows])
    items = [
        {
            "listing": listing,
            "provider": provider,
            "live_version": live_versions.get(listing.live_version_id),
            "installs": installs[listing.slug],
        }
        for listing, provider in rows
    ]
    session.commit()
    return render(
        request,
        "admin/listings.html",
        {"items": items, "errors": errors or {}, "next_after": next_after},
        status_code=status_code,
    )


@router.get("/admin/listings")
def listings_page(
    request: Request,
    session: ReadSessionDep,
    admin: RequireAdmin,
    after: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """Every listing with its status, by name, a page at a time; live ones can be
    suspended, suspended ones reinstated."""
    return _listings_page(request, session, after=after)


@router.post("/admin/listings/{slug}/suspend")
def suspend(
    slug: str,
    request: Request,
    session: SessionDep,
    admin: RequireAdmin,
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    listing = _listing_by_slug(session, slug)
    _ = gettext_for(request)
    try:
        suspend_listing(session, admin=admin, listing=listing, reason=reason)
    except InvalidInput:
        session.rollback()
        return _listings_page(
            request,
            session,
            errors={slug: _("Say why: the provider reads this reason.")},
            status_code=400,
        )
    session.commit()
    flash(request, _("Suspended %(listing)s.") % {"listing": listing.name}, "success")
    return RedirectResponse("/admin/listings", status_code=303)


@router.post("/admin/listings/{slug}/reinstate")
def reinstate(
    slug: str,
    request: Request,
    session: SessionDep,
    admin: RequireAdmin,
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    listing = _listing_by_slug(session, slug)
    reinstate_listing(session, admin=admin, listing=listing, reason=reason)
    session.commit()
    _ = gettext_for(request)
    flash(request, _("Reinstated %(listing)s.") % {"listing": listing.name}, "success")
    return RedirectResponse("/admin/listings", status_code=303)


# -- audit log ------------------------------------------------------------------------------


def audit_action_labels(_: Any) -> dict[str, str]:
    """Each audit action code in the reader's words (an unknown code is shown humanized)."""
    return {
        "approve_version": _("Approved a version"),
        "reject_version": _("Rejected a version"),
        "suspend_listing": _("Suspended a listing"),
        "reinstate_listing": _("Reinstated a listing"),
        "rerun_checks": _("Ran the automated checks again"),
        "replay_delivery": _("Sent failed deliveries again"),
        "create_category": _("Created a category"),
        "approve_qualification": _("Approved a qualification"),
        "reject_qualification": _("Rejected a qualification"),
        "suspend_shop": _("Suspended a shop"),
        "reinstate_shop": _("Reinstated a shop"),
        "suspend_account": _("Suspended an account"),
        "reinstate_account": _("Reinstated an account"),
        "guarantee_criteria_updated": _("Changed the guarantee criteria"),
        "listing_guarantee_restricted": _("Opened a listing to certified shops only"),
        "listing_guarantee_opened": _("Opened a listing to every shop again"),
    }


def audit_target_labels(_: Any) -> dict[str, str]:
    """Each audit target type in the reader's words."""
    return {
        "listing_version": _("Version"),
        "listing": _("Listing"),
        "qualification": _("Qualification"),
        "category": _("Category"),
        "delivery": _("Delivery"),
        "installation": _("Installation"),
        "shop": _("Shop"),
        "account": _("Account"),
        "guarantee_criteria": _("Guarantee criteria"),
    }


@router.get("/admin/audit")
def audit_page(
    request: Request,
    session: ReadSessionDep,
    admin: RequireAdmin,
    before: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """Admin actions, newest first, a page at a time."""
    rows = audit_entries(session, before_id=before, limit=AUDIT_PAGE)
    session.commit()
    older = rows[-1][0].id if len(rows) == AUDIT_PAGE else None
    _ = gettext_for(request)
    context = {
        "rows": rows,
        "older": older,
        "action_labels": audit_action_labels(_),
        "target_labels": audit_target_labels(_),
    }
    return render(request, "admin/audit.html", context)
