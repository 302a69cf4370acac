"""The plugin host: one pluggy manager holding every loaded plugin, and each shop's view of it.

A shop sees the kernel defaults plus the plugins it enabled. Its view is the ``hook`` of a
pluggy manager holding just those plugins, built once per distinct enabled set and shared
by every shop with that set (the main manager's ``pm.hook`` when nothing is left out), so a
call costs what a bare ``pm.hook`` call costs. Which set a shop has is cached per shop and
re-read when its ``plugins_version`` moves. Only pluggy's public API is used.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pluggy
from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from core.models import Installation, InstallationStatus, Shop
from core.models.base import utcnow
from core.plugins.eligibility import filter_eligible
from core.plugins.kernel import KERNEL_PLUGIN_NAME, KernelDefaults
from core.plugins.loading import (
    LoadedPlugin,
    PluginConfig,
    PluginStatus,
    load_all,
    plugins_file,
    read_config,
)
from sdk import hookspecs
from sdk._markers import PROJECT_NAME


@dataclass(frozen=True)
class InstallationRef:
    """What a hook call needs of an installation, detached from any session."""

    id: int
    shop_id: int
    plugin_id: str
    version: str
    status: str
    granted_scopes: frozenset[str]
    settings: dict[str, Any]

    @classmethod
    def of(cls, row: Installation) -> InstallationRef:
        assert row.id is not None
        return cls(
            id=row.id,
            shop_id=row.shop_id,
            plugin_id=row.plugin_id,
            version=row.version,
            status=row.status.value if hasattr(row.status, "value") else str(row.status),
            granted_scopes=frozenset(row.granted_scopes),
            settings=dict(row.settings),
        )


#: The query behind every hook call of a request: a shop's ``plugins_version``. Built once,
#: as building a statement costs more than running it.
_PLUGINS_VERSION = select(Shop.plugins_version).where(col(Shop.id) == bindparam("shop_id"))


def _plugins_version(session: Session, shop_id: int) -> int:
    """The shop's ``plugins_version`` (0 for an unknown shop), read on the session's own
    connection and transaction; a Core execution, as the ORM's result machinery costs
    several times the query (``bench/hooks.py``). Flushes first, as a query would."""
    if session.autoflush:
        session.flush()
    return session.connection().execute(_PLUGINS_VERSION, {"shop_id": shop_id}).scalar() or 0


#: Threads each plugin's event hooks may run on at once (a hung call keeps its thread).
HOOK_THREADS_PER_PLUGIN = 8


class HookPool:
    """A bounded pool of daemon threads for one plugin's hook calls.

    Threads start on demand up to ``max_workers`` and end after ``idle_s`` without work.
    Daemon threads, unlike :class:`~concurrent.futures.ThreadPoolExecutor`'s, never hold
    up the process's exit behind a plugin call that hangs.
    """

    def __init__(self, name: str, max_workers: int, idle_s: float = 60.0) -> None:
        self.name = name
        self.max_workers = max_workers
        self.idle_s = idle_s
        self._queue: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads = 0
        self._idle = 0
        self._queued = 0

    def submit(self, fn: Callable[[], Any]) -> Future[Any]:
        """Run ``fn()`` on one of the pool's threads; cancel the future to drop it unrun."""
        future: Future[Any] = Future()
        with self._lock:
            self._queued += 1
            self._queue.put((future, fn))
            if self._queued > self._idle and self._threads < self.max_workers:
                self._threads += 1
                threading.Thread(
                    target=self._work, name=f"hook-{self.name}-{self._threads}", daemon=True
                ).start()
        return future

    def _work(self) -> None:
        while True:
            with self._lock:
                self._idle += 1
            try:
                future, fn = self._queue.get(timeout=self.idle_s)
            except queue.Empty:
                with self._lock:
                    self._idle -= 1
                    if self._queue.empty():
                        self._threads -= 1
                        return
                continue
            with self._lock:
                self._idle -= 1
                self._queued -= 1
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn())
            except BaseException as exc:
                future.set_exception(exc)


@dataclass(frozen=True)
class ShopView:
    """One shop's plugins: the hook relay and its enabled installations by plugin id."""

    shop_id: int
    version: int
    hook: Any
    installations: dict[str, InstallationRef]
    #: when a subscription of the view lapses by itself (the view is rebuilt then)
    recheck_at: datetime | None = None

    @property
    def enabled(self) -> frozenset[str]:
        return frozenset(self.installations)

    def stale(self) -> bool:
        return self.recheck_at is not None and utcnow() >= self.recheck_at


class PluginHost:
    """Loads plugins, keeps the pluggy manager, and hands out each shop's view."""

    def __init__(self, plugins: list[LoadedPlugin], config: PluginConfig | None = None) -> None:
        self.config = config or PluginConfig()
        self.pm = pluggy.PluginManager(PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        self.pm.register(KernelDefaults(), name=KERNEL_PLUGIN_NAME)
        self.plugins: dict[str, LoadedPlugin] = {}
        for plugin in plugins:
            self.plugins.setdefault(plugin.id, plugin)
            if plugin.status is PluginStatus.active:
                self.pm.register(plugin.module, name=plugin.id)
        self.pm.check_pending()
        self._relays: dict[frozenset[str], Any] = {}
        self._shops: dict[int, ShopView] = {}
        self._callers: dict[tuple[str, str], pluggy.HookCaller] = {}
        self._pools: dict[str, HookPool] = {}
        self._lock = threading.Lock()

    # -- what is loaded -------------------------------------------------------------------

    @property
    def active(self) -> dict[str, LoadedPlugin]:
        """Plugins registered for calls, by id, in load order."""
        return {k: p for k, p in self.plugins.items() if p.status is PluginStatus.active}

    def implements(self, plugin_id: str, hook: str) -> bool:
        plugin = self.plugins.get(plugin_id)
        return plugin is not None and plugin.status is PluginStatus.active and hook in plugin.hooks

    # -- views ----------------------------------------------------------------------------

    def relay(self, enabled: frozenset[str]) -> Any:
        """The hook relay for a set of enabled plugin ids (cached per distinct set)."""
        relay = self._relays.get(enabled)
        if relay is None:
            if all(pid in enabled for pid in self.active):
                relay = self.pm.hook
            else:
                relay = self._manager_of(enabled | {KERNEL_PLUGIN_NAME}).hook
            self._relays[enabled] = relay
        return relay

    def plugin_caller(self, plugin_id: str, hook: str) -> pluggy.HookCaller:
        """A caller that runs only ``plugin_id``'s implementation of ``hook``."""
        key = (plugin_id, hook)
        caller = self._callers.get(key)
        if caller is None:
            caller = getattr(self._manager_of(frozenset({plugin_id})).hook, hook)
            self._callers[key] = caller
        return caller

    def _manager_of(self, names: frozenset[str]) -> pluggy.PluginManager:
        """A manager holding the named plugins of the main one, in the same order (so
        calls run in the same order)."""
        pm = pluggy.PluginManager(PROJECT_NAME)
        pm.add_hookspecs(hookspecs)
        for name, plugin in self.pm.list_name_plugin():
            if name in names:
                pm.register(plugin, name=name)
        return pm

    def hook_pool(self, plugin_id: str) -> HookPool:
        """The threads ``plugin_id``'s event hooks run on: its own, so a plugin that hangs
        only ever waits behind itself."""
        pool = self._pools.get(plugin_id)
        if pool is None:
            with self._lock:
                pool = self._pools.setdefault(
                    plugin_id, HookPool(plugin_id, HOOK_THREADS_PER_PLUGIN)
                )
        return pool

    def shop_view(self, session: Session, shop_id: int) -> ShopView:
        """The shop's view; one small query when its ``plugins_version`` has not moved."""
        version = _plugins_version(session, shop_id)
        cached = self._shops.get(shop_id)
        if cached is not None and cached.version == version and not cached.stale():
            return cached
        rows = session.exec(
            select(Installation)
            .where(
                Installation.shop_id == shop_id,
                Installation.status == InstallationStatus.enabled,
            )
            .order_by(col(Installation.id))
        ).all()
        rows, recheck_at = filter_eligible(session, rows)
        installations = {
            r.plugin_id: InstallationRef.of(r) for r in rows if r.plugin_id in self.active
        }
        view = ShopView(
            shop_id=shop_id,
            version=version,
            hook=self.relay(frozenset(installations)),
            installations=installations,
            recheck_at=recheck_at,
        )
        with self._lock:
            self._shops[shop_id] = view
        return view

    def hooks_for(self, session: Session, shop_id: int) -> Any:
        """Shorthand: the relay a shop calls hooks through."""
        return self.shop_view(session, shop_id).hook


def create_plugin_host(settings: Any = None, *, config: PluginConfig | None = None) -> PluginHost:
    """Read ``plugins.toml`` (unless ``config`` is given), load every plugin, build the host."""
    config = config if config is not None else read_config(plugins_file(settings))
    return PluginHost(load_all(config), config)
