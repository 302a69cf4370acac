"""Rows for the market and installed-services tests: live listings with an approved version,
installations, and a host with a plugin whose settings model has one field of each kind."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine
from sqlmodel import Session

import core.models as m
from core.models.base import utcnow
from core.plugins.loading import LoadedPlugin, PluginStatus
from core.plugins.manager import PluginHost
from sdk import PluginManifest, ScopeRequest
from sdk.scopes import Scope

FORM_PLUGIN = "label_printer"


class PaperSize(StrEnum):
    a4 = "a4"
    a6 = "a6"


class PrinterSettings(BaseModel):
    """A settings model with one field of each kind the form generator handles."""

    copies: int = Field(default=1, ge=1, le=5, description="Labels printed per parcel")
    paper: PaperSize = Field(default=PaperSize.a6, description="Label paper size")
    header: str = Field(default="Thanks!", max_length=20, description="Printed on top")
    auto_print: bool = Field(default=True, description="Print when an order is paid")
    margin_mm: float = Field(default=2.5, ge=0, le=10, description="Margin around the label")


class FormPlugin:
    """A plugin with settings and no hooks: enough for the console's pages."""

    manifest = PluginManifest(
        id=FORM_PLUGIN,
        name="Label printer",
        version="1.0.0",
        category="logistics",
        scopes=[ScopeRequest(scope=Scope.orders_read, reason="to print paid orders' labels")],
        settings=PrinterSettings,
    )


def form_host() -> PluginHost:
    """A host that has loaded :class:`FormPlugin`."""
    plugin = FormPlugin()
    return PluginHost(
        [
            LoadedPlugin(
                id=FORM_PLUGIN,
                module_name="tests.marketplace.marketdata",
                source="test",
                status=PluginStatus.active,
                manifest=plugin.manifest,
                module=plugin,  # type: ignore[arg-type]
            )
        ]
    )


def listing(
    engine: Engine,
    provider: m.Account,
    *,
    slug: str,
    name: str | None = None,
    scopes: list[dict[str, str]] | None = None,
    kind: str = "plugin",
    version: str = "1.0.0",
    created_at: datetime | None = None,
    manifest: dict[str, Any] | None = None,
    hooks: list[str] | None = None,
    webhook_topics: list[str] | None = None,
    release_notes: str = "",
    **fields: Any,
) -> m.Listing:
    """A live listing with one approved version (its live version)."""
    with Session(engine, expire_on_commit=False) as session:
        row = m.Listing(
            slug=slug,
            provider_id=provider.id,
            name=name or slug.replace("_", " ").title(),
            status=fields.pop("status", m.ListingStatus.live),
            created_at=created_at or utcnow(),
            **fields,
        )
        session.add(row)
        session.flush()
        approved = m.ListingVersion(
            listing_id=row.id,
            version=version,
            kind=kind,
            plugin_id=slug if kind == "plugin" else "",
            scopes=scopes if scopes is not None else [],
            hooks=hooks or [],
            webhook_topics=webhook_topics or [],
            manifest=manifest or {},
            release_notes=release_notes,
            status=m.VersionStatus.approved,
            reviewed_at=utcnow(),
        )
        session.add(approved)
        session.flush()
        row.live_version_id = approved.id
        session.add(row)
        session.commit()
    return row


def installation(
    engine: Engine,
    shop: m.Shop,
    row: m.Listing,
    *,
    scopes: list[str] | None = None,
    status: m.InstallationStatus = m.InstallationStatus.enabled,
    kind: str = "plugin",
    settings: dict[str, Any] | None = None,
    trial_ends_in: timedelta | None = None,
    **fields: Any,
) -> m.Installation:
    """An installation of ``row`` in ``shop`` (and a trial subscription when asked)."""
    with Session(engine, expire_on_commit=False) as session:
        made = m.Installation(
            shop_id=shop.id,
            plugin_id=row.slug,
            version=fields.pop("version", "1.0.0"),
            kind=kind,
            listing_id=row.id,
            status=status,
            granted_scopes=scopes or [],
            settings=settings or {},
            **fields,
        )
        session.add(made)
        session.flush()
        if trial_ends_in is not None:
            session.add(
                m.Subscription(
                    installation_id=made.id,
                    listing_id=row.id,
                    shop_id=shop.id,
                    status=m.SubscriptionStatus.trialing,
                    price_fen=row.price_fen,
                    current_period_end=utcnow() + trial_ends_in,
                )
            )
        session.commit()
    return made
