"""Enable, pause and remove a plugin in a shop. Each change bumps ``Shop.plugins_version``.

Services in the kernel's style: keyword-only, take a session, never commit. Enabling and
removing publish ``installation_created`` / ``installation_removed`` through the outbox, so
the plugin hears about it after commit, at least once.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core.errors import InvalidInput, InvalidState, NotFound
from core.models import Installation, InstallationStatus, Shop
from core.models.base import utcnow
from core.outbox import record_event
from core.plugins.manager import PluginHost
from sdk.manifest import PluginManifest


def bump_plugins_version(session: Session, *, shop_id: int) -> None:
    """Invalidate every cached view of the shop's plugins."""
    session.execute(
        update(Shop)
        .where(col(Shop.id) == shop_id)
        .values(plugins_version=col(Shop.plugins_version) + 1)
    )


def installation_snapshot(installation: Installation) -> dict[str, Any]:
    return {
        "installation": {
            "id": installation.id,
            "shop_id": installation.shop_id,
            "plugin_id": installation.plugin_id,
            "version": installation.version,
            "status": installation.status.value,
            "granted_scopes": list(installation.granted_scopes),
            "settings": dict(installation.settings),
        }
    }


def get_installation(session: Session, *, shop_id: int, plugin_id: str) -> Installation | None:
    return session.exec(
        select(Installation).where(
            Installation.shop_id == shop_id, Installation.plugin_id == plugin_id
        )
    ).first()


def installation_for_update(
    session: Session, *, shop_id: int, plugin_id: str, version: str
) -> Installation:
    """The shop's installation row of ``plugin_id``, inserted if there is none yet.

    Two requests enabling the same plugin at once (a double-submitted form) both find no
    row; the insert runs in a savepoint, so the one that loses the unique key
    ``(shop_id, plugin_id)`` takes the winner's row instead of failing with a 500.
    """
    row = get_installation(session, shop_id=shop_id, plugin_id=plugin_id)
    if row is not None:
        return row
    row = Installation(shop_id=shop_id, plugin_id=plugin_id, version=version)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
        return row
    except IntegrityError:
        existing = get_installation(session, shop_id=shop_id, plugin_id=plugin_id)
        if existing is None:  # the unique key was not what failed
            raise
        return existing


def enable_plugin(
    session: Session,
    *,
    host: PluginHost,
    shop_id: int,
    plugin_id: str,
    granted_scopes: list[str] | None = None,
    settings: dict[str, Any] | None = None,
) -> Installation:
    """Install (or re-enable) ``plugin_id`` in the shop with the scopes the merchant granted.

    The grant may be narrower than the manifest's request, never wider; settings are checked
    against the manifest's settings model.
    """
    plugin = host.active.get(plugin_id)
    if plugin is None or plugin.manifest is None:
        raise NotFound(f"Plugin '{plugin_id}' is not available on this host.")
    manifest = plugin.manifest
    scopes = sorted(set(granted_scopes if granted_scopes is not None else manifest.scope_values))
    extra = sorted(set(scopes) - manifest.scope_values)
    if extra:
        raise InvalidInput(
            f"The plugin did not ask for: {', '.join(extra)}.", field="body.granted_scopes"
        )
    stored = validate_settings(manifest, settings or {})
    row = installation_for_update(
        session, shop_id=shop_id, plugin_id=plugin_id, version=manifest.version
    )
    row.version = manifest.version
    row.status = InstallationStatus.enabled
    row.granted_scopes = scopes
    row.settings = stored
    row.removed_at = None
    session.add(row)
    session.flush()
    bump_plugins_version(session, shop_id=shop_id)
    _publish(session, row, "installation_created")
    return row


def validate_settings(
    manifest: PluginManifest, settings: dict[str, Any], *, field: str = "body.settings"
) -> dict[str, Any]:
    """``settings`` checked against the manifest's settings model, as they are stored.

    The model's defaults are filled in. Raises :class:`InvalidInput` whose ``field`` is the
    path of the first bad value (``body.settings.min_premium_fen``).
    """
    if not isinstance(settings, dict):
        raise InvalidInput("Settings are a JSON object.", field=field)
    try:
        parsed = manifest.parse_settings(dict(settings))
    except ValidationError as exc:
        first = exc.errors()[0]
        path = ".".join([field, *(str(part) for part in first["loc"])])
        raise InvalidInput(f"Invalid settings: {first['msg']}", field=path) from exc
    except ValueError as exc:  # a settings model that raises outside pydantic's validation
        raise InvalidInput(f"Invalid settings: {exc}", field=field) from exc
    if isinstance(parsed, BaseModel):
        return parsed.model_dump(mode="json")
    return dict(parsed)


def configure_installation(
    session: Session,
    *,
    host: PluginHost,
    installation: Installation,
    settings: dict[str, Any],
) -> Installation:
    """Replace an installation's settings after checking them against its manifest.

    Invalid settings raise :class:`InvalidInput` (422, with the field path) and change
    nothing. The shop's plugin views are invalidated, so the next hook call sees the new
    settings.
    """
    if installation.status is InstallationStatus.removed:
        raise InvalidState("A removed installation cannot be configured.")
    plugin = host.plugins.get(installation.plugin_id)
    if plugin is None or plugin.manifest is None:
        raise NotFound(f"Plugin '{installation.plugin_id}' is not available on this host.")
    installation.settings = validate_settings(plugin.manifest, settings)
    session.add(installation)
    session.flush()
    bump_plugins_version(session, shop_id=installation.shop_id)
    return installation


def pause_installation(session: Session, *, shop_id: int, plugin_id: str) -> Installation:
    """Stop calling the plugin for this shop; events are not delivered while paused."""
    row = _existing(session, shop_id, plugin_id)
    if row.status is InstallationStatus.removed:
        raise InvalidState("A removed installation cannot be paused.")
    row.status = InstallationStatus.paused
    session.add(row)
    bump_plugins_version(session, shop_id=shop_id)
    return row


def resume_installation(session: Session, *, shop_id: int, plugin_id: str) -> Installation:
    row = _existing(session, shop_id, plugin_id)
    if row.status is not InstallationStatus.paused:
        raise InvalidState("Only a paused installation can be resumed.")
    row.status = InstallationStatus.enabled
    session.add(row)
    bump_plugins_version(session, shop_id=shop_id)
    return row


def remove_installation(session: Session, *, shop_id: int, plugin_id: str) -> Installation:
    """Uninstall: hooks stop at once; ``installation_removed`` still reaches the plugin."""
    row = _existing(session, shop_id, plugin_id)
    row.status = InstallationStatus.removed
    row.removed_at = utcnow()
    session.add(row)
    session.flush()
    bump_plugins_version(session, shop_id=shop_id)
    _publish(session, row, "installation_removed")
    return row


def _existing(session: Session, shop_id: int, plugin_id: str) -> Installation:
    row = get_installation(session, shop_id=shop_id, plugin_id=plugin_id)
    if row is None:
        raise NotFound(f"Plugin '{plugin_id}' is not installed in shop {shop_id}.")
    return row


def _publish(session: Session, row: Installation, name: str) -> None:
    assert row.id is not None
    record_event(
        session,
        name=name,
        shop_id=row.shop_id,
        resource_type="installation",
        resource_id=row.id,
        data=installation_snapshot(row),
    )
