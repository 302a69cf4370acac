"""Find and admit plugins: ``plugins.toml`` first, then the ``tanzi.plugins`` entry points.

A plugin that cannot be imported, has a bad manifest, needs another Tanzi, or implements
hooks it did not declare is recorded with a status and a reason and is never registered for
calls; the host keeps running.
"""

from __future__ import annotations

import importlib
import os
import tomllib
from dataclasses import dataclass, field, replace
from enum import StrEnum
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

from pydantic import ValidationError

import core
from sdk import hookspecs
from sdk._markers import PROJECT_NAME
from sdk.manifest import PluginManifest

ENTRY_POINT_GROUP = "tanzi.plugins"
HOOK_NAMES: frozenset[str] = frozenset(
    name for name in dir(hookspecs) if hasattr(getattr(hookspecs, name), f"{PROJECT_NAME}_spec")
)


class PluginStatus(StrEnum):
    active = "active"
    incompatible = "incompatible"  # bad manifest, wrong Tanzi, undeclared hooks
    blocked = "blocked"  # listed in ``blocked`` by the host's operator
    error = "error"  # could not be imported at all


@dataclass(frozen=True)
class PluginLimits:
    """Per-plugin limits from ``[limits."<id>"]``."""

    timeout_s: float = 30.0  # one event delivery
    decision_timeout_s: float = 0.5  # one decision call inside a request
    circuit_failures: int = 5  # consecutive failures that open the circuit
    circuit_cooldown_s: float = 60.0  # how long the circuit stays open before a trial


@dataclass(frozen=True)
class PluginConfig:
    """The parsed ``plugins.toml``."""

    load: tuple[str, ...] = ()
    blocked: frozenset[str] = frozenset()
    limits: dict[str, PluginLimits] = field(default_factory=dict)
    default_limits: PluginLimits = PluginLimits()
    entry_points: bool = True

    def limits_for(self, plugin_id: str) -> PluginLimits:
        return self.limits.get(plugin_id, self.default_limits)


@dataclass(frozen=True)
class LoadedPlugin:
    """What the host knows about one plugin it tried to load."""

    id: str
    module_name: str
    source: str
    status: PluginStatus
    reason: str = ""
    manifest: PluginManifest | None = None
    module: ModuleType | None = None
    hooks: tuple[str, ...] = ()
    limits: PluginLimits = PluginLimits()

    @property
    def version(self) -> str:
        return self.manifest.version if self.manifest else ""


def plugins_file(settings: Any = None) -> Path:
    """Where ``plugins.toml`` is: ``settings.plugins_file``, ``$TANZI_PLUGINS_FILE``, or ./."""
    configured = getattr(settings, "plugins_file", None) or os.environ.get("TANZI_PLUGINS_FILE")
    return Path(configured) if configured else Path("plugins.toml")


def read_config(path: Path) -> PluginConfig:
    """Parse ``plugins.toml``; a missing file means no listed plugins."""
    if not path.exists():
        return PluginConfig()
    data = tomllib.loads(path.read_text())
    section = data.get("plugins", {})
    defaults = _limits(data.get("host", {}), PluginLimits())
    return PluginConfig(
        load=tuple(section.get("load", [])),
        blocked=frozenset(section.get("blocked", [])),
        limits={k: _limits(v, defaults) for k, v in data.get("limits", {}).items()},
        default_limits=defaults,
        entry_points=bool(section.get("entry_points", True)),
    )


def _limits(raw: dict[str, Any], base: PluginLimits) -> PluginLimits:
    known = {k: raw[k] for k in PluginLimits.__dataclass_fields__ if k in raw}
    return PluginLimits(**{**base.__dict__, **known})


def discover(config: PluginConfig) -> list[tuple[str, str]]:
    """``(module name, source)`` of every plugin to try, in a deterministic order."""
    found = [(name, "plugins.toml") for name in config.load]
    if config.entry_points:
        seen = {name for name, _ in found}
        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            if ep.value not in seen:
                found.append((ep.value, f"entry point {ep.name}"))
                seen.add(ep.value)
    return found


def load_plugin(module_name: str, source: str, config: PluginConfig) -> LoadedPlugin:
    """Import one plugin module and judge it; never raises."""
    guess = module_name.rsplit(".", 1)[-1]
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        return LoadedPlugin(
            id=guess,
            module_name=module_name,
            source=source,
            status=PluginStatus.error,
            reason=f"cannot import {module_name}: {type(exc).__name__}: {exc}",
            limits=config.limits_for(guess),
        )
    hooks = tuple(sorted(n for n in HOOK_NAMES if _is_hookimpl(getattr(module, n, None))))
    raw = getattr(module, "manifest", None)
    try:
        manifest = raw if isinstance(raw, PluginManifest) else PluginManifest.model_validate(raw)
    except ValidationError as exc:
        errors = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return LoadedPlugin(
            id=guess,
            module_name=module_name,
            source=source,
            status=PluginStatus.incompatible,
            reason=f"invalid manifest: {errors}",
            module=module,
            hooks=hooks,
            limits=config.limits_for(guess),
        )
    common: dict[str, Any] = {
        "id": manifest.id,
        "module_name": module_name,
        "source": source,
        "manifest": manifest,
        "module": module,
        "hooks": hooks,
        "limits": config.limits_for(manifest.id),
    }
    if manifest.id in config.blocked:
        return LoadedPlugin(**common, status=PluginStatus.blocked, reason="blocked by plugins.toml")
    if not manifest.supports(core.__version__):
        return LoadedPlugin(
            **common,
            status=PluginStatus.incompatible,
            reason=f"needs Tanzi {manifest.requires_tanzi}, this is {core.__version__}",
        )
    undeclared = sorted(set(hooks) - set(manifest.hooks))
    if undeclared:
        return LoadedPlugin(
            **common,
            status=PluginStatus.incompatible,
            reason=f"implements hooks its manifest does not declare: {', '.join(undeclared)}",
        )
    return LoadedPlugin(**common, status=PluginStatus.active)


def _is_hookimpl(obj: Any) -> bool:
    return callable(obj) and hasattr(obj, f"{PROJECT_NAME}_impl")


def load_all(config: PluginConfig) -> list[LoadedPlugin]:
    """Load every discovered plugin; a second plugin with an id already taken is refused."""
    loaded: list[LoadedPlugin] = []
    taken: set[str] = set()
    for module_name, source in discover(config):
        plugin = load_plugin(module_name, source, config)
        if plugin.status is PluginStatus.active and plugin.id in taken:
            plugin = replace(
                plugin,
                status=PluginStatus.incompatible,
                reason=f"plugin id '{plugin.id}' is already loaded",
            )
        taken.add(plugin.id)
        loaded.append(plugin)
    return loaded
