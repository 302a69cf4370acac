"""The provider console: a provider's listings, their versions and the review's outcome.

A listing's page shows its versions with the automated checks and the admin's reasons, how
many shops installed it (and at which version), and deliveries to its installations that
are failing. A version is made from a form or from a pasted / uploaded manifest JSON, saved
as a draft or submitted for review at once.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData, UploadFile

from core.api.deps import ReadSessionDep, SessionDep, SettingsDep
from core.errors import InvalidInput, TanziError
from core.jobs.tasks import enqueue_deliveries
from core.models import Listing, ListingVersion
from core.plugins.review_checks import CHECK_TITLES, FIX_HINTS, failed_checks
from marketplace.services.catalog import install_counts
from marketplace.services.listings import (
    ListingInput,
    VersionInput,
    create_listing,
    create_version,
    get_version,
    install_stats,
    install_stats_for,
    listing_versions,
    own_listing,
    parse_version_document,
    provider_listings,
    replay_for_provider,
    submit_version,
    update_listing,
    validation_problem,
)
from marketplace.services.oauth_clients import rotate_webhook_secret
from marketplace.services.review import listing_client, new_client_credentials
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireProvider
from marketplace.web.market import PLAIN_WORDS, category_names
from marketplace.web.templating import flash, gettext_for, render
from sdk.remote.topics import EVENT_TOPICS
from sdk.scopes import Scope

router = web_router(tags=["provider"])

#: Largest manifest file accepted from the upload field.
MAX_MANIFEST_BYTES = 256 * 1024
#: Listings on one page of the provider's home.
HOME_PAGE = 50
LISTING_FIELDS = (
    "slug",
    "name",
    "summary",
    "description",
    "category",
    "icon",
    "pricing_model",
    "price_fen",
    "trial_days",
)


def field_errors(error: TanziError) -> dict[str, str]:
    """Each refused field's first message, by the field's top-level name."""
    found: dict[str, str] = {}
    entries = error.extra.get("errors") or [{"field": error.field or "", "message": error.detail}]
    for entry in entries:
        name = str(entry.get("field") or "").split(".")[0].split("[")[0]
        found.setdefault(name or "form", str(entry.get("message") or ""))
    return found


def _hook_names() -> list[str]:
    from sdk.cli.usage import hook_scopes

    return sorted(hook_scopes())


# -- listings -------------------------------------------------------------------------------


@router.get("/provider")
def provider_home(
    request: Request,
    session: ReadSessionDep,
    provider: RequireProvider,
    after: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """The provider's listings with their status and installs, a page at a time."""
    listings = provider_listings(session, provider=provider, after_id=after, limit=HOME_PAGE + 1)
    more = len(listings) > HOME_PAGE
    listings = listings[:HOME_PAGE]
    slugs = [listing.slug for listing in listings]
    installs = install_counts(session, slugs=slugs)
    stats = install_stats_for(session, slugs=slugs)
    rows = [
        {"listing": listing, "stats": stats[listing.slug], "installs": installs[listing.slug]}
        for listing in listings
    ]
    session.commit()
    next_after = listings[-1].id if more else None
    return render(request, "provider/index.html", {"rows": rows, "next_after": next_after})


def _listing_form(
    request: Request,
    *,
    form: dict[str, Any],
    errors: dict[str, str] | None = None,
    listing: Listing | None = None,
    status_code: int = 200,
) -> Response:
    _ = gettext_for(request)
    return render(
        request,
        "provider/listing_form.html",
        {
            "form": form,
            "errors": errors or {},
            "listing": listing,
            "categories": category_names(_),
        },
        status_code=status_code,
    )


@router.get("/provider/listings/new")
def new_listing_page(request: Request, provider: RequireProvider) -> Response:
    form = {"category": "other", "pricing_model": "free", "price_fen": 0, "trial_days": 7}
    return _listing_form(request, form=form)


async def _listing_input(request: Request, slug: str | None = None) -> tuple[dict, ListingInput]:
    raw = await request.form()
    form = {name: str(raw.get(name, "")) for name in LISTING_FIELDS}
    if slug is not None:
        form["slug"] = slug
    values: dict[str, Any] = dict(form)
    for number in ("price_fen", "trial_days"):
        values[number] = form[number] or 0
    try:
        return form, ListingInput.model_validate(values)
    except ValidationError as exc:
        raise _FormRefused(form, validation_problem(exc)) from exc


class _FormRefused(Exception):
    def __init__(self, form: dict[str, Any], error: TanziError) -> None:
        super().__init__(error.detail)
        self.form = form
        self.error = error


@router.post("/provider/listings")
async def create_listing_page(
    request: Request, session: SessionDep, provider: RequireProvider
) -> Response:
    """Create a draft listing; a refused form comes back with what was typed."""
    form: dict[str, Any] = {}
    try:
        form, data = await _listing_input(request)
        listing = create_listing(session, provider=provider, data=data)
    except _FormRefused as refused:
        return _listing_form(
            request, form=refused.form, errors=field_errors(refused.error), status_code=400
        )
    except TanziError as error:
        session.rollback()
        return _listing_form(request, form=form, errors=field_errors(error), status_code=400)
    session.commit()
    _ = gettext_for(request)
    flash(request, _("Listing created. Add its first version."), "success")
    return RedirectResponse(f"/provider/listings/{listing.slug}", status_code=303)


def _listing_page(
    request: Request,
    session: Session,
    *,
    listing: Listing,
    credentials: dict[str, str] | None = None,
) -> Response:
    versions = listing_versions(session, listing=listing)
    client = listing_client(session, listing=listing)
    stats = install_stats(session, listing=listing)
    session.commit()
    return render(
        request,
        "provider/listing.html",
        {
            "listing": listing,
            "versions": versions,
            "stats": stats,
            "client_id": client.client_id if client is not None else "",
            "credentials": credentials,
            "category_name": category_names(gettext_for(request)).get(listing.category, ""),
        },
    )


@router.get("/provider/listings/{slug}")
def listing_page(
    slug: str, request: Request, session: ReadSessionDep, provider: RequireProvider
) -> Response:
    """A listing: versions with checks and reasons, installs, failing deliveries, and its
    OAuth client once a remote version is approved."""
    listing = own_listing(session, provider=provider, slug=slug)
    return _listing_page(request, session, listing=listing)


@router.post("/provider/listings/{slug}/webhook-secret")
def rotate_webhook_secret_page(
    slug: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    provider: RequireProvider,
) -> Response:
    """A new webhook signing secret, shown on this answer only; deliveries carry the old
    secret's signature too until the overlap ends, so the app can switch without a gap."""
    listing = own_listing(session, provider=provider, slug=slug)
    secret, until = rotate_webhook_secret(session, settings=settings, listing=listing)
    session.commit()
    credentials = {"webhook_secret": secret, "previous_until": until.strftime("%Y-%m-%d %H:%M UTC")}
    return _listing_page(request, session, listing=listing, credentials=credentials)


@router.post("/provider/listings/{slug}/credentials")
def make_credentials(
    slug: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    provider: RequireProvider,
) -> Response:
    """A new client secret (the previous one stops working) and the webhook signing secret,
    shown on this answer only."""
    listing = own_listing(session, provider=provider, slug=slug)
    credentials = new_client_credentials(session, settings=settings, listing=listing)
    session.commit()
    return _listing_page(request, session, listing=listing, credentials=credentials)


@router.post("/provider/listings/{slug}/replay")
async def replay_backlog_page(
    slug: str, request: Request, session: SessionDep, provider: RequireProvider
) -> Response:
    """Send one installation's undelivered events again (the app is back up)."""
    form = await request.form()
    listing = own_listing(session, provider=provider, slug=slug)
    _ = gettext_for(request)
    try:
        ids = replay_for_provider(
            session, listing=listing, installation_id=int(str(form.get("installation_id", "")))
        )
    except (ValueError, TanziError) as error:
        session.rollback()
        detail = error.detail if isinstance(error, TanziError) else _("Pick an installation.")
        flash(request, detail, "error")
        return RedirectResponse(f"/provider/listings/{slug}", status_code=303)
    session.commit()
    enqueue_deliveries(request.app.state.runtime.huey, ids)
    flash(request, _("%(n)s deliveries were queued again.") % {"n": len(ids)}, "success")
    return RedirectResponse(f"/provider/listings/{slug}", status_code=303)


@router.get("/provider/listings/{slug}/edit")
def edit_listing_page(
    slug: str, request: Request, session: ReadSessionDep, provider: RequireProvider
) -> Response:
    listing = own_listing(session, provider=provider, slug=slug)
    session.commit()
    form = {name: getattr(listing, name) for name in LISTING_FIELDS}
    form["pricing_model"] = listing.pricing_model.value
    return _listing_form(request, form=form, listing=listing)


@router.post("/provider/listings/{slug}/edit")
async def edit_listing(
    slug: str, request: Request, session: SessionDep, provider: RequireProvider
) -> Response:
    listing = own_listing(session, provider=provider, slug=slug)
    try:
        _, data = await _listing_input(request, slug=listing.slug)
    except _FormRefused as refused:
        return _listing_form(
            request,
            form=refused.form,
            errors=field_errors(refused.error),
            listing=listing,
            status_code=400,
        )
    update_listing(session, listing=listing, data=data)
    session.commit()
    _ = gettext_for(request)
    flash(request, _("Listing saved."), "success")
    return RedirectResponse(f"/provider/listings/{listing.slug}", status_code=303)


# -- versions -------------------------------------------------------------------------------


def _version_form(
    request: Request,
    *,
    listing: Listing,
    form: dict[str, Any],
    errors: dict[str, str] | None = None,
    all_errors: list[dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "provider/version_form.html",
        {
            "listing": listing,
            "form": form,
            "errors": errors or {},
            "all_errors": all_errors or [],
            "scopes": [(s.value, PLAIN_WORDS[s.value]) for s in Scope],
            "topics": sorted(EVENT_TOPICS.values()),
            "hooks": _hook_names(),
        },
        status_code=status_code,
    )


@router.get("/provider/listings/{slug}/versions/new")
def new_version_page(
    slug: str, request: Request, session: ReadSessionDep, provider: RequireProvider
) -> Response:
    listing = own_listing(session, provider=provider, slug=slug)
    versions = listing_versions(session, listing=listing)
    session.commit()
    form = _form_from_version(versions[0]) if versions else {"kind": "plugin", "scopes": {}}
    form["version"] = ""
    form["release_notes"] = ""
    return _version_form(request, listing=listing, form=form)


def _form_from_version(version: ListingVersion) -> dict[str, Any]:
    """A new version's form, filled from the last one (the provider changes what moved)."""
    return {
        "kind": version.kind,
        "redirect_uris": "\n".join(version.redirect_uris),
        "webhook_url": version.webhook_url,
        "webhook_topics": list(version.webhook_topics),
        "hooks": list(version.hooks),
        "scopes": {str(s.get("scope")): str(s.get("reason") or "") for s in version.scopes},
    }


def _form_values(raw: FormData) -> dict[str, Any]:
    """The version form as typed (kept for re-rendering)."""
    scopes = {
        s.value: str(raw.get(f"reason_{s.value}", "")).strip()
        for s in Scope
        if raw.get(f"scope_{s.value}")
    }
    return {
        "version": str(raw.get("version", "")).strip(),
        "kind": str(raw.get("kind", "plugin")),
        "redirect_uris": str(raw.get("redirect_uris", "")),
        "webhook_url": str(raw.get("webhook_url", "")).strip(),
        "webhook_topics": [str(v) for v in raw.getlist("webhook_topics")],
        "hooks": [str(v) for v in raw.getlist("hooks")],
        "scopes": scopes,
        "release_notes": str(raw.get("release_notes", "")),
        "manifest_json": str(raw.get("manifest_json", "")),
    }


async def _version_input(raw: FormData, form: dict[str, Any]) -> VersionInput:
    """From the uploaded file, the pasted JSON, or else the fields."""
    submit = raw.get("action") == "submit"
    upload = raw.get("manifest_file")
    document: bytes | str = ""
    if isinstance(upload, UploadFile) and upload.filename:
        document = await upload.read(MAX_MANIFEST_BYTES + 1)
        if len(document) > MAX_MANIFEST_BYTES:
            raise InvalidInput("The manifest file is too large (256 KB at most).", field="manifest")
    elif form["manifest_json"].strip():
        document = form["manifest_json"]
    if document:
        data = parse_version_document(document)
        if form["release_notes"] and not data.release_notes:
            data.release_notes = form["release_notes"]
        data.submit = submit
        return data
    values = {
        "version": form["version"],
        "kind": form["kind"],
        "redirect_uris": [u for u in form["redirect_uris"].splitlines() if u.strip()],
        "webhook_url": form["webhook_url"],
        "webhook_topics": form["webhook_topics"],
        "hooks": form["hooks"],
        "scopes": [{"scope": s, "reason": r} for s, r in form["scopes"].items()],
        "release_notes": form["release_notes"],
        "submit": submit,
    }
    try:
        return VersionInput.model_validate(values)
    except ValidationError as exc:
        raise validation_problem(exc) from exc


@router.post("/provider/listings/{slug}/versions")
async def create_version_page(
    slug: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    provider: RequireProvider,
) -> Response:
    """Save a new version as a draft, or submit it for review (the checks run now)."""
    listing = own_listing(session, provider=provider, slug=slug)
    raw = await request.form()
    form = _form_values(raw)
    try:
        data = await _version_input(raw, form)
        version = create_version(
            session, listing=listing, data=data, host=request.app.state.plugins, settings=settings
        )
    except TanziError as error:
        session.rollback()
        listing = own_listing(session, provider=provider, slug=slug)
        entries = error.extra.get("errors") or [{"field": error.field, "message": error.detail}]
        return _version_form(
            request,
            listing=listing,
            form=form,
            errors=field_errors(error),
            all_errors=[{"field": str(e["field"] or ""), "message": e["message"]} for e in entries],
            status_code=400,
        )
    session.commit()
    _ = gettext_for(request)
    if version.status.value == "submitted":
        _flash_submitted(request, version)
    else:
        flash(request, _("Version saved as a draft."), "success")
    return RedirectResponse(
        f"/provider/listings/{listing.slug}/versions/{version.version}", status_code=303
    )


@router.get("/provider/listings/{slug}/versions/{version}")
def version_page(
    slug: str, version: str, request: Request, session: ReadSessionDep, provider: RequireProvider
) -> Response:
    """One version: its status, the checks report, the admin's reason, its manifest."""
    listing = own_listing(session, provider=provider, slug=slug)
    row = get_version(session, listing=listing, version=version)
    session.commit()
    return render(request, "provider/version.html", _version_context(listing, row))


def _version_context(listing: Listing, version: ListingVersion) -> dict[str, Any]:
    return {
        "listing": listing,
        "version": version,
        "scopes": [
            {
                "scope": str(s.get("scope")),
                "words": PLAIN_WORDS.get(str(s.get("scope")), ""),
                "reason": str(s.get("reason") or ""),
            }
            for s in version.scopes
        ],
        "checks": version.checks.get("results", []),
        "check_titles": CHECK_TITLES,
        "fix_hints": FIX_HINTS,
    }


@router.post("/provider/listings/{slug}/versions/{version}/submit")
def submit_version_page(
    slug: str,
    version: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    provider: RequireProvider,
) -> Response:
    """Submit a draft for review."""
    listing = own_listing(session, provider=provider, slug=slug)
    row = get_version(session, listing=listing, version=version)
    submit_version(
        session, version=row, listing=listing, host=request.app.state.plugins, settings=settings
    )
    session.commit()
    _flash_submitted(request, row)
    return RedirectResponse(f"/provider/listings/{slug}/versions/{version}", status_code=303)


def _flash_submitted(request: Request, version: ListingVersion) -> None:
    """Say how the checks of a just-submitted version came out: green only when they passed."""
    _ = gettext_for(request)
    failed = failed_checks(version.checks)
    if not failed:
        flash(request, _("Version submitted for review. The automated checks passed."), "success")
        return
    flash(
        request,
        _(
            "Version submitted, but these automated checks failed: %(checks)s. It cannot be "
            "approved until they pass; see below what failed and how to fix it."
        )
        % {"checks": ", ".join(_(CHECK_TITLES.get(name, name)) for name in failed)},
        "error",
    )
