"""A provider's listings and their versions: create, edit, add a version, submit it for review.

Input arrives as :class:`ListingInput` and :class:`VersionInput` (from the provider console's
forms, a pasted manifest or the provider API), so bad input is refused with a field path
whichever way it came. Submitting runs the automated review checks
(:mod:`core.plugins.review_checks`) and stores their report on the version.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from packaging.version import InvalidVersion, Version
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import and_, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from core.errors import Conflict, InvalidInput, InvalidState, NotFound
from core.models import (
    Account,
    Delivery,
    DeliveryStatus,
    Installation,
    InstallationStatus,
    Listing,
    ListingVersion,
    PricingModel,
    VersionStatus,
)
from core.models.base import utcnow
from core.plugins.manager import PluginHost
from core.services.audit import record_action
from core.services.webhooks import replay_backlog
from core.settings import Settings
from sdk import hookspecs
from sdk.manifest import Category, PluginManifest
from sdk.remote.topics import EVENT_TOPICS, TOPIC_EVENTS
from sdk.scopes import Scope

SLUG_PATTERN = r"^[a-z][a-z0-9_]{1,62}$"
MAX_TRIAL_DAYS = 90
#: How many failing deliveries a version's page lists.
FAILING_SHOWN = 20


def _is_emoji(value: str) -> bool:
    """One short run of pictographs (with joiners and variation selectors), nothing else."""
    if not value or len(value) > 16:
        return False
    return all(
        unicodedata.category(ch) in ("So", "Sk", "Mn", "Me", "Cf") or ch in "\u200d\ufe0f"
        for ch in value
    )


def _check_icon(value: str) -> str:
    value = value.strip()
    if not value:
        return value
    if value.startswith("https://") and " " not in value and len(value) > len("https://x"):
        return value
    if _is_emoji(value):
        return value
    raise ValueError("an icon is one emoji or an https:// image URL")


class ListingInput(BaseModel):
    """A listing's fields as the provider edits them."""

    model_config = ConfigDict(str_strip_whitespace=True)

    slug: str = Field(pattern=SLUG_PATTERN)
    name: str = Field(min_length=1, max_length=80)
    summary: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=20000)
    category: Category = Category.other
    icon: str = Field(default="", max_length=500)
    pricing_model: PricingModel = PricingModel.free
    price_fen: int = Field(default=0, ge=0, le=100_000_000)
    trial_days: int = Field(default=7, ge=0, le=MAX_TRIAL_DAYS)

    @field_validator("icon")
    @classmethod
    def _icon(cls, value: str) -> str:
        return _check_icon(value)

    @model_validator(mode="after")
    def _price(self) -> ListingInput:
        if self.pricing_model is PricingModel.monthly and self.price_fen <= 0:
            raise ValueError("a monthly price must be more than 0 fen")
        if self.pricing_model is PricingModel.free:
            self.price_fen = 0
        return self


class ScopeInput(BaseModel):
    """One scope a version asks for and the reason merchants read at consent."""

    scope: Scope
    reason: str = Field(min_length=3, max_length=300)


def _absolute_url(value: str) -> str:
    if not re.match(r"^https?://[^\s/?#]+[^\s]*$", value):
        raise ValueError("must be an absolute http(s) URL")
    return value


class VersionInput(BaseModel):
    """One version's manifest: what the provider API takes and the console's form builds."""

    model_config = ConfigDict(str_strip_whitespace=True)

    version: str = Field(min_length=1, max_length=40)
    kind: Literal["plugin", "remote"] = "plugin"
    plugin_id: str = Field(default="", max_length=63)
    redirect_uris: list[str] = Field(default_factory=list, max_length=10)
    webhook_url: str = Field(default="", max_length=500)
    webhook_topics: list[str] = Field(default_factory=list, max_length=50)
    scopes: list[ScopeInput] = Field(default_factory=list, max_length=len(Scope))
    hooks: list[str] = Field(default_factory=list, max_length=50)
    manifest: dict[str, Any] = Field(default_factory=dict)
    release_notes: str = Field(default="", max_length=5000)
    submit: bool = False

    @field_validator("version")
    @classmethod
    def _version(cls, value: str) -> str:
        try:
            Version(value)
        except InvalidVersion as exc:
            raise ValueError(f"'{value}' is not a version like 1.2.0") from exc
        return value

    @field_validator("redirect_uris")
    @classmethod
    def _uris(cls, value: list[str]) -> list[str]:
        return [_absolute_url(v.strip()) for v in value if v.strip()]

    @field_validator("webhook_url")
    @classmethod
    def _webhook(cls, value: str) -> str:
        return _absolute_url(value) if value else value

    @field_validator("webhook_topics")
    @classmethod
    def _topics(cls, value: list[str]) -> list[str]:
        unknown = [t for t in value if t not in TOPIC_EVENTS and t not in EVENT_TOPICS]
        if unknown:
            raise ValueError(f"unknown webhook topics: {', '.join(unknown)}")
        return list(dict.fromkeys(EVENT_TOPICS.get(t, t) for t in value))

    @field_validator("hooks")
    @classmethod
    def _hooks(cls, value: list[str]) -> list[str]:
        unknown = [h for h in value if not callable(getattr(hookspecs, h, None))]
        if unknown:
            raise ValueError(f"unknown hooks: {', '.join(unknown)}")
        return list(dict.fromkeys(value))

    @field_validator("scopes")
    @classmethod
    def _unique_scopes(cls, value: list[ScopeInput]) -> list[ScopeInput]:
        seen = [s.scope for s in value]
        if len(seen) != len(set(seen)):
            raise ValueError("each scope is asked for once")
        return value

    @model_validator(mode="after")
    def _kind(self) -> VersionInput:
        if self.kind == "remote":
            if not self.redirect_uris:
                raise ValueError("a remote app needs at least one redirect URI")
            if self.webhook_topics and not self.webhook_url:
                raise ValueError("webhook topics need a webhook URL")
        return self


def validation_problem(exc: ValidationError, prefix: str = "") -> InvalidInput:
    """A pydantic error as one problem listing every field path (``scopes[0].scope``)."""
    errors = []
    for err in exc.errors():
        path = prefix
        for part in err["loc"]:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        errors.append({"field": path or prefix or "body", "message": err["msg"]})
    first = errors[0] if errors else {"field": prefix or "body", "message": "invalid"}
    return InvalidInput(
        f"{first['field']}: {first['message']}", field=first["field"], extra={"errors": errors}
    )


def parse_version_document(raw: str | bytes | dict[str, Any]) -> VersionInput:
    """A pasted or uploaded JSON document as a version: either the provider API's body or a
    plugin manifest (``id``, ``version``, ``scopes``, ``hooks``...).

    :raises InvalidInput: for JSON that does not parse or does not fit (with a field path).
    """
    if isinstance(raw, dict):
        document: Any = raw
    else:
        try:
            document = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"The manifest is not JSON: {exc}", field="manifest") from exc
    if not isinstance(document, dict):
        raise InvalidInput("The manifest is a JSON object.", field="manifest")
    if "kind" not in document and "plugin_id" not in document and "id" in document:
        remote = bool(document.get("redirect_uris"))
        document = {
            "version": document.get("version", ""),
            "kind": "remote" if remote else "plugin",
            "plugin_id": "" if remote else document.get("id", ""),
            "redirect_uris": document.get("redirect_uris", []),
            "webhook_url": document.get("webhook_url", ""),
            "webhook_topics": document.get("webhook_topics", []),
            "scopes": document.get("scopes", []),
            "hooks": document.get("hooks", []),
            "manifest": document,
        }
    try:
        return VersionInput.model_validate(document)
    except ValidationError as exc:
        raise validation_problem(exc, "manifest") from exc


def check_manifest_document(document: dict[str, Any]) -> PluginManifest:
    """A manifest JSON document as a :class:`PluginManifest` (its ``settings`` is a JSON
    schema here, not a model class, so it is left out).

    :raises InvalidInput: with the field path under ``manifest``.
    """
    try:
        return PluginManifest.model_validate({k: v for k, v in document.items() if k != "settings"})
    except ValidationError as exc:
        raise validation_problem(exc, "manifest") from exc


# -- listings -----------------------------------------------------------------------------


def create_listing(session: Session, *, provider: Account, data: ListingInput) -> Listing:
    """A new draft listing of ``provider``; its slug is unique across the market."""
    taken = session.exec(select(Listing.id).where(Listing.slug == data.slug)).first()
    if taken is not None:
        raise Conflict("That id is taken; choose another.", code="slug_taken", field="slug")
    listing = Listing(provider_id=provider.id, **data.model_dump())  # type: ignore[arg-type]
    session.add(listing)
    session.flush()
    return listing


def update_listing(session: Session, *, listing: Listing, data: ListingInput) -> Listing:
    """Change a listing's market page (its slug never changes: installations are keyed by it)."""
    for name, value in data.model_dump(exclude={"slug"}).items():
        setattr(listing, name, value)
    listing.updated_at = utcnow()
    session.add(listing)
    session.flush()
    return listing


def provider_listings(
    session: Session, *, provider: Account, after_id: int | None = None, limit: int | None = None
) -> list[Listing]:
    """The provider's listings, newest first: at most ``limit`` of them, starting after
    listing ``after_id`` (the last one of the previous page) when given."""
    statement = (
        select(Listing)
        .where(Listing.provider_id == provider.id)
        .order_by(col(Listing.created_at).desc(), col(Listing.id).desc())
    )
    last = session.get(Listing, after_id) if after_id is not None else None
    if last is not None and last.provider_id == provider.id:
        statement = statement.where(
            or_(
                col(Listing.created_at) < last.created_at,
                and_(col(Listing.created_at) == last.created_at, col(Listing.id) < last.id),
            )
        )
    if limit is not None:
        statement = statement.limit(limit)
    return list(session.exec(statement))


def versions_by_listing(
    session: Session, *, listing_ids: Sequence[int]
) -> dict[int, list[ListingVersion]]:
    """Every version of each listing, newest first, in one query."""
    out: dict[int, list[ListingVersion]] = {lid: [] for lid in listing_ids}
    if not listing_ids:
        return out
    for version in session.exec(
        select(ListingVersion)
        .where(col(ListingVersion.listing_id).in_(listing_ids))
        .order_by(col(ListingVersion.created_at).desc(), col(ListingVersion.id).desc())
    ):
        out[version.listing_id].append(version)
    return out


def own_listing(session: Session, *, provider: Account, slug: str) -> Listing:
    """The provider's listing ``slug``; someone else's is as good as missing (404)."""
    listing = session.exec(select(Listing).where(Listing.slug == slug)).first()
    if listing is None or listing.provider_id != provider.id:
        raise NotFound("No such listing among yours.", code="listing_not_found")
    return listing


def listing_versions(session: Session, *, listing: Listing) -> list[ListingVersion]:
    """Every version of ``listing``, newest first."""
    return list(
        session.exec(
            select(ListingVersion)
            .where(ListingVersion.listing_id == listing.id)
            .order_by(col(ListingVersion.created_at).desc(), col(ListingVersion.id).desc())
        )
    )


def get_version(session: Session, *, listing: Listing, version: str) -> ListingVersion:
    row = session.exec(
        select(ListingVersion).where(
            ListingVersion.listing_id == listing.id, ListingVersion.version == version
        )
    ).first()
    if row is None:
        raise NotFound("No such version of this listing.", code="version_not_found")
    return row


# -- versions -----------------------------------------------------------------------------


def create_version(
    session: Session,
    *,
    listing: Listing,
    data: VersionInput,
    host: PluginHost,
    settings: Settings,
) -> ListingVersion:
    """A new draft version of ``listing`` (submitted for review too when ``data.submit``).

    An in-process plugin's id is the listing's slug (installations are keyed by it) and must
    be a plugin this host has loaded; a remote app's manifest keeps no plugin id.
    """
    if listing.status.value == "suspended":
        raise InvalidState(
            "This listing is suspended; new versions wait until it is reinstated.",
            code="listing_suspended",
        )
    taken = session.exec(
        select(ListingVersion.id).where(
            ListingVersion.listing_id == listing.id, ListingVersion.version == data.version
        )
    ).first()
    if taken is not None:
        raise Conflict(
            f"Version {data.version} exists already; versions are never replaced.",
            code="version_exists",
            field="version",
        )
    if data.manifest:
        check_manifest_document(data.manifest)
    plugin_id = ""
    if data.kind == "plugin":
        plugin_id = data.plugin_id or listing.slug
        if plugin_id != listing.slug:
            raise InvalidInput(
                f"An in-process plugin's id is its listing's id, '{listing.slug}'.",
                field="plugin_id",
            )
        if plugin_id not in host.plugins:
            raise InvalidInput(
                f"This marketplace has not loaded a plugin '{plugin_id}'. In-process plugins "
                "are installed on the host first; ship a remote app otherwise.",
                code="plugin_unknown",
                field="plugin_id",
            )
    version = ListingVersion(
        listing_id=listing.id,  # type: ignore[arg-type]
        version=data.version,
        kind=data.kind,
        plugin_id=plugin_id,
        redirect_uris=data.redirect_uris if data.kind == "remote" else [],
        webhook_url=data.webhook_url if data.kind == "remote" else "",
        webhook_topics=data.webhook_topics if data.kind == "remote" else [],
        hooks=data.hooks,
        scopes=[{"scope": s.scope.value, "reason": s.reason} for s in data.scopes],
        manifest=data.manifest,
        release_notes=data.release_notes,
    )
    session.add(version)
    session.flush()
    if data.submit:
        submit_version(session, version=version, listing=listing, host=host, settings=settings)
    return version


def submit_version(
    session: Session,
    *,
    version: ListingVersion,
    listing: Listing,
    host: PluginHost,
    settings: Settings,
) -> ListingVersion:
    """Put a draft version in the review queue, with the automated checks' report."""
    from core.plugins.review_checks import submit_for_review

    if version.status != VersionStatus.draft:
        raise InvalidState(
            f"Only a draft is submitted; this version is {version.status.value}.",
            code="not_a_draft",
        )
    submit_for_review(version=version, listing=listing, host=host, settings=settings)
    session.add(version)
    session.flush()
    return version


def rerun_checks(
    session: Session,
    *,
    version: ListingVersion,
    listing: Listing,
    host: PluginHost,
    settings: Settings,
    admin: Account,
) -> ListingVersion:
    """Run the automated checks of a submitted version again (e.g. after the host loaded a
    newer build of the plugin), store the new report and write it to the audit log."""
    from core.plugins.review_checks import run_checks

    if version.status != VersionStatus.submitted:
        raise InvalidState("Only a submitted version's checks are run again.", code="not_submitted")
    report = run_checks(version=version, listing=listing, host=host, settings=settings)
    version.checks = report.as_dict()
    version.checks_passed = report.passed
    session.add(version)
    record_action(
        session,
        actor_id=admin.id,
        action="rerun_checks",
        target_type="listing_version",
        target_id=version.id or 0,
        data={"listing": listing.slug, "version": version.version, "passed": report.passed},
    )
    return version


# -- what the provider sees of its installations ----------------------------------------------


@dataclass(frozen=True)
class InstallStats:
    """A listing's installations by state, and their deliveries that are failing."""

    enabled: int
    paused: int
    removed: int
    by_version: dict[str, int]
    pending_consent: int
    failing: list[Delivery]

    @property
    def failing_installations(self) -> list[tuple[int, int]]:
        """``(installation id, shop id)`` of the failing deliveries, each once, newest first."""
        seen: dict[int, int] = {}
        for delivery in self.failing:
            seen.setdefault(delivery.installation_id, delivery.shop_id)
        return list(seen.items())


def replay_for_provider(session: Session, *, listing: Listing, installation_id: int) -> list[int]:
    """Put one installation's backlog of ``listing`` back in the queue (not committed);
    returns the delivery ids to enqueue after the commit. 404 for another listing's."""
    installation = session.get(Installation, installation_id)
    if installation is None or installation.plugin_id != listing.slug:
        raise NotFound("No installation of this listing has that id.", code="not_installed")
    return replay_backlog(session, installation=installation)


def install_stats(session: Session, *, listing: Listing) -> InstallStats:
    """Counts of the listing's installations and its latest failed or dead deliveries."""
    return install_stats_for(session, slugs=[listing.slug])[listing.slug]


def install_stats_for(
    session: Session, *, slugs: Sequence[str], with_failing: bool = True
) -> dict[str, InstallStats]:
    """:func:`install_stats` of many listings (by slug) in two queries, whatever their
    number; without ``with_failing`` the failing deliveries are not read (one query)."""
    if not slugs:
        return {}
    rows = session.execute(
        sa_select(
            col(Installation.plugin_id),
            col(Installation.status),
            col(Installation.version),
            col(Installation.pending_version),
            func.count(),
        )
        .where(col(Installation.plugin_id).in_(slugs))
        .group_by(
            Installation.plugin_id,
            Installation.status,
            Installation.version,
            Installation.pending_version,
        )
    ).all()
    by_status: dict[str, dict[str, int]] = {slug: {} for slug in slugs}
    by_version: dict[str, dict[str, int]] = {slug: {} for slug in slugs}
    pending = dict.fromkeys(slugs, 0)
    for slug, status, version, pending_version, count in rows:
        key = status.value if hasattr(status, "value") else str(status)
        by_status[slug][key] = by_status[slug].get(key, 0) + count
        if key != InstallationStatus.removed.value:
            by_version[slug][version] = by_version[slug].get(version, 0) + count
            if pending_version:
                pending[slug] += count
    failing: dict[str, list[Delivery]] = {slug: [] for slug in slugs}
    if with_failing:
        # the latest FAILING_SHOWN of each listing, ranked per listing in one query
        ranked = (
            select(
                col(Delivery.id).label("id"),
                func.row_number()
                .over(partition_by=Delivery.plugin_id, order_by=col(Delivery.id).desc())
                .label("rank"),
            )
            .where(
                col(Delivery.plugin_id).in_(slugs),
                col(Delivery.status).in_([DeliveryStatus.failed, DeliveryStatus.dead]),
            )
            .subquery()
        )
        for delivery in session.exec(
            select(Delivery)
            .join(ranked, ranked.c.id == col(Delivery.id))
            .where(ranked.c.rank <= FAILING_SHOWN)
            .order_by(col(Delivery.id).desc())
        ):
            failing[delivery.plugin_id].append(delivery)
    return {
        slug: InstallStats(
            enabled=by_status[slug].get(InstallationStatus.enabled.value, 0),
            paused=by_status[slug].get(InstallationStatus.paused.value, 0),
            removed=by_status[slug].get(InstallationStatus.removed.value, 0),
            by_version=dict(sorted(by_version[slug].items())),
            pending_consent=pending[slug],
            failing=failing[slug],
        )
        for slug in slugs
    }
