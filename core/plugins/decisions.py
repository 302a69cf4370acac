"""Decision hooks inside a request: each plugin under a time budget, the kernel as fallback.

A plugin that raises or overruns its budget is skipped for this call (its thread is left
to finish on its own), the failure is counted, and after ``circuit_failures`` in a row its
installation is left out of decisions until ``circuit_cooldown_s`` has passed (then one
trial call decides whether it is back). Counts live in this process; deliveries keep theirs
on the installation row.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from core.plugins.client import ScopedClient
from core.plugins.kernel import KERNEL_PLUGIN_NAME
from core.plugins.manager import PluginHost

log = logging.getLogger("tanzi.plugins")

#: Decision hooks whose results from every plugin are collected into one list.
COLLECTING = frozenset({"product_validate", "order_adjustments"})


@dataclass
class DecisionFailure:
    plugin_id: str
    installation_id: int
    hook: str
    error: str


@dataclass
class DecisionOutcome:
    """The answer, and which plugins failed or were skipped on the way."""

    result: Any
    failures: list[DecisionFailure] = field(default_factory=list)
    answered_by: list[str] = field(default_factory=list)


@dataclass
class _Breaker:
    failures: int = 0
    total_failures: int = 0
    open_until: float = 0.0
    reason: str = ""


def read_only_engine(engine: Engine) -> Engine:
    """An engine for the client's reads. On SQLite: plain deferred transactions on WAL, so a
    reader never waits for the request that holds the write lock; elsewhere the engine."""
    if engine.url.get_backend_name() != "sqlite":
        return engine
    reader = create_engine(
        engine.url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=10
    )

    @sa_event.listens_for(reader, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA query_only=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    return reader


class DecisionRunner:
    """Runs decision hooks for one host and engine."""

    def __init__(self, host: PluginHost, engine: Engine, read_engine: Engine | None = None) -> None:
        self.host = host
        self.engine = engine
        self.read_engine = read_engine or read_only_engine(engine)
        self._pool = ThreadPoolExecutor(max_workers=32, thread_name_prefix="tanzi-decision")
        self._breakers: dict[int, _Breaker] = {}
        self._lock = threading.Lock()

    def health(self) -> dict[int, dict[str, Any]]:
        """Per installation: consecutive and total failures, and whether its circuit is open."""
        now = time.monotonic()
        return {
            iid: {
                "consecutive_failures": b.failures,
                "total_failures": b.total_failures,
                "circuit_open": b.open_until > now,
                "reason": b.reason,
            }
            for iid, b in self._breakers.items()
        }

    def call(self, session: Session, shop_id: int, hook: str, **kwargs: Any) -> DecisionOutcome:
        """Run decision ``hook`` for the shop's enabled plugins; kwargs are the hook's input.

        ``session`` is only used to look up the shop's plugins (one small query).
        """
        view = self.host.shop_view(session, shop_id)
        caller = getattr(view.hook, hook)
        firstresult = bool(caller.spec and caller.spec.opts.get("firstresult"))
        outcome = DecisionOutcome(result=[] if hook in COLLECTING else None)
        kernel_impls = []
        for impl in reversed(caller.get_hookimpls()):  # pluggy's call order
            if impl.wrapper or impl.hookwrapper:
                continue  # each answer runs alone under its own budget: nothing to wrap
            if impl.plugin_name == KERNEL_PLUGIN_NAME:
                kernel_impls.append(impl)
                continue
            inst = view.installations.get(impl.plugin_name)
            if inst is None:
                continue
            value, error = self._call_one(impl, inst, kwargs)
            if error:
                outcome.failures.append(DecisionFailure(inst.plugin_id, inst.id, hook, error))
                continue
            if value is None:
                continue
            outcome.answered_by.append(inst.plugin_id)
            if hook in COLLECTING:
                outcome.result.extend(value)
            elif firstresult:
                outcome.result = value
                return outcome
        for impl in kernel_impls:
            value = impl.function(**kwargs, client=None, settings={})
            if hook in COLLECTING:
                outcome.result.extend(value or [])
            elif firstresult and value is not None:
                outcome.result = value
                outcome.answered_by.append(KERNEL_PLUGIN_NAME)
                return outcome
        return outcome

    def _call_one(self, impl: Any, inst: Any, kwargs: dict[str, Any]) -> tuple[Any, str]:
        breaker = self._breakers.setdefault(inst.id, _Breaker())
        if breaker.open_until > time.monotonic():
            return None, f"circuit open: {breaker.reason}"
        plugin = self.host.plugins[inst.plugin_id]
        limits = plugin.limits
        client = ScopedClient(self.engine, inst, read_engine=self.read_engine)
        settings = plugin.manifest.parse_settings(inst.settings) if plugin.manifest else {}
        future = self._pool.submit(impl.function, **kwargs, client=client, settings=settings)
        try:
            value = future.result(timeout=limits.decision_timeout_s)
        except FutureTimeout:
            error = f"timed out after {limits.decision_timeout_s:g}s"
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
        else:
            breaker.failures = 0
            return value, ""
        with self._lock:
            breaker.failures += 1
            breaker.total_failures += 1
            if breaker.failures >= limits.circuit_failures:
                breaker.open_until = time.monotonic() + limits.circuit_cooldown_s
                breaker.reason = f"{breaker.failures} consecutive failures; last: {error}"
        log.warning("decision %s of %s failed: %s", impl.function.__name__, inst.plugin_id, error)
        return None, error

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
