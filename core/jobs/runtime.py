"""What the tasks of one Huey queue need in this process: a typed binding per queue.

A queue's binding holds the settings it was made with, its tasks by name, and the runtime
(engine, plugin host, decisions) built on first use. Bindings are kept beside the Huey
object (a weak map), not as attributes hung on it.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

from huey import Huey
from sqlalchemy.engine import Engine

from core.db import create_db_engine
from core.plugins.decisions import DecisionRunner, read_only_engine
from core.plugins.manager import PluginHost, create_plugin_host
from core.services.carrier_accounts import configure as configure_carriers
from core.settings import Settings


@dataclass
class Runtime:
    """What tasks and requests need of the host: settings, engines, plugins, queue."""

    settings: Settings
    engine: Engine
    host: PluginHost
    huey: Huey
    read_engine: Engine
    decisions: DecisionRunner = field(init=False)

    def __post_init__(self) -> None:
        self.decisions = DecisionRunner(self.host, self.engine, self.read_engine)


@dataclass
class QueueBinding:
    """One queue's settings, its tasks by name, and its runtime once built."""

    settings: Settings
    tasks: dict[str, Any] = field(default_factory=dict)
    runtime: Runtime | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


_bindings: weakref.WeakKeyDictionary[Huey, QueueBinding] = weakref.WeakKeyDictionary()


def bind_queue(huey: Huey, settings: Settings) -> QueueBinding:
    """Give ``huey`` a fresh binding to ``settings``; returns it."""
    binding = QueueBinding(settings=settings)
    _bindings[huey] = binding
    return binding


def binding_of(huey: Huey) -> QueueBinding:
    """The binding of a queue made by :func:`core.jobs.queue.create_huey`."""
    try:
        return _bindings[huey]
    except KeyError:
        raise LookupError("this Huey queue was not made by core.jobs.queue.create_huey") from None


def assemble_runtime(
    settings: Settings,
    huey: Huey,
    *,
    engine: Engine | None = None,
    host: PluginHost | None = None,
) -> Runtime:
    """A runtime for ``huey``; the first one assembled becomes the one its tasks use."""
    runtime = _new_runtime(settings, huey, engine=engine, host=host)
    configure_carriers(settings, runtime.host)
    binding = binding_of(huey)
    with binding.lock:
        if binding.runtime is None:
            binding.runtime = runtime
    return runtime


def runtime_of(huey: Huey) -> Runtime:
    """The runtime for tasks of ``huey`` in this process, built on first use."""
    binding = binding_of(huey)
    if binding.runtime is None:
        with binding.lock:
            if binding.runtime is None:
                binding.runtime = _new_runtime(binding.settings, huey)
    return binding.runtime


def _new_runtime(
    settings: Settings, huey: Huey, *, engine: Engine | None = None, host: PluginHost | None = None
) -> Runtime:
    engine = engine or create_db_engine(settings)
    return Runtime(
        settings=settings,
        engine=engine,
        host=host or create_plugin_host(settings),
        huey=huey,
        read_engine=read_only_engine(engine),
    )
