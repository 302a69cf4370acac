"""Rows and a plugin host for the provider-console, review-check and admin tests."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session

import core.models as m
from core.models.base import utcnow
from core.plugins.loading import PluginConfig, PluginStatus, load_all, load_plugin
from core.plugins.manager import PluginHost

SAMPLES = "tests.marketplace.sample_plugins"
#: The sample plugins a host can register (bad_hooks cannot be: pluggy refuses it).
LOADABLE = ("good", "missing_scope", "raises", "slow")


def sample_host() -> PluginHost:
    """A host that has loaded the sample plugins; ``sample_bad_hooks`` is known but not
    registered, as a host that found its hooks broken would keep it."""
    config = PluginConfig(load=tuple(f"{SAMPLES}.{n}" for n in LOADABLE), entry_points=False)
    plugins = load_all(config)
    bad = load_plugin(f"{SAMPLES}.bad_hooks", "test", config)
    plugins.append(
        replace(bad, status=PluginStatus.incompatible, reason="its hooks do not fit the specs")
    )
    return PluginHost(plugins, config)


def use_sample_host(app: FastAPI) -> PluginHost:
    host = sample_host()
    app.state.plugins = host
    return host


def draft_listing(engine: Engine, provider: m.Account, *, slug: str, **fields: Any) -> m.Listing:
    """A provider's listing with no version yet."""
    with Session(engine, expire_on_commit=False) as session:
        row = m.Listing(
            slug=slug,
            provider_id=provider.id,
            name=fields.pop("name", slug.replace("_", " ").title()),
            **fields,
        )
        session.add(row)
        session.commit()
        session.refresh(row)
    return row


def version_row(
    engine: Engine,
    listing: m.Listing,
    *,
    version: str = "1.0.0",
    kind: str = "plugin",
    status: m.VersionStatus = m.VersionStatus.submitted,
    scopes: list[str] | None = None,
    **fields: Any,
) -> m.ListingVersion:
    """A version of ``listing`` (submitted by default), asking for ``scopes``."""
    with Session(engine, expire_on_commit=False) as session:
        row = m.ListingVersion(
            listing_id=listing.id,
            version=version,
            kind=kind,
            plugin_id=listing.slug if kind == "plugin" else "",
            scopes=[{"scope": s, "reason": f"needs {s}"} for s in (scopes or [])],
            status=status,
            submitted_at=utcnow() if status != m.VersionStatus.draft else None,
            **fields,
        )
        session.add(row)
        session.commit()
        session.refresh(row)
    return row


#: A stored checks report in which every check passed (a version an admin may approve).
PASSED_CHECKS: dict[str, Any] = {
    "passed": True,
    "results": [{"name": name, "status": "pass", "findings": []} for name in ("manifest", "urls")],
}
