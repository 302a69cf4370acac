"""The Huey queue and the runtime its tasks use (engine, plugin host), built per process."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey
from sqlalchemy.engine import Engine

from core.db import create_db_engine
from core.plugins.decisions import DecisionRunner, read_only_engine
from core.plugins.manager import PluginHost, create_plugin_host
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


def create_huey(settings: Settings, **options: Any) -> Huey:
    """SQLite-backed Huey under ``data_dir`` by default; Redis when ``queue_url`` is redis://.

    The tasks are registered on the returned instance; each task builds the runtime (engine,
    plugin host) lazily in the process that runs it.
    """
    from core.jobs.tasks import register_tasks

    # Outcomes live in our own tables (deliveries, job records); storing task results in the
    # queue would only add a write per task.
    options.setdefault("results", False)
    if settings.queue_url.startswith(("redis://", "rediss://")):
        huey: Huey = RedisHuey("tanzi", url=settings.queue_url, **options)
    else:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey("tanzi", filename=str(settings.data_dir / "queue.db"), **options)
    huey.tanzi_settings = settings  # type: ignore[attr-defined]
    huey.tanzi_runtime = None  # type: ignore[attr-defined]
    huey.tanzi_lock = threading.Lock()  # type: ignore[attr-defined]
    register_tasks(huey)
    return huey


def build_runtime(
    settings: Settings,
    *,
    engine: Engine | None = None,
    host: PluginHost | None = None,
    huey: Huey | None = None,
) -> Runtime:
    """Assemble a runtime; ``create_app`` passes its engine, the worker builds its own."""
    engine = engine or create_db_engine(settings)
    huey = huey or create_huey(settings)
    runtime = Runtime(
        settings=settings,
        engine=engine,
        host=host or create_plugin_host(settings),
        huey=huey,
        read_engine=read_only_engine(engine),
    )
    if huey.tanzi_runtime is None:  # type: ignore[attr-defined]
        huey.tanzi_runtime = runtime  # type: ignore[attr-defined]
    return runtime


def runtime_of(huey: Huey) -> Runtime:
    """The runtime for tasks of ``huey`` in this process, built on first use."""
    runtime = huey.tanzi_runtime  # type: ignore[attr-defined]
    if runtime is None:
        with huey.tanzi_lock:  # type: ignore[attr-defined]
            runtime = huey.tanzi_runtime  # type: ignore[attr-defined]
            if runtime is None:
                runtime = build_runtime(huey.tanzi_settings, huey=huey)  # type: ignore[attr-defined]
    return runtime
