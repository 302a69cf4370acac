"""The plugin host: loading, per-shop views, installations, event delivery and decisions."""

from __future__ import annotations

from core.plugins.loading import LoadedPlugin, PluginConfig, PluginLimits, PluginStatus
from core.plugins.manager import InstallationRef, PluginHost, ShopView, create_plugin_host

__all__ = [
    "InstallationRef",
    "LoadedPlugin",
    "PluginConfig",
    "PluginHost",
    "PluginLimits",
    "PluginStatus",
    "ShopView",
    "create_plugin_host",
]
