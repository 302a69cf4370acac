"""The Huey queue factory: SQLite-backed by default, Redis-backed at scale."""

from __future__ import annotations

from typing import Any

from huey import Huey, RedisHuey, SqliteHuey
from sqlalchemy.engine import Engine

from core.jobs.runtime import Runtime, assemble_runtime, bind_queue
from core.jobs.tasks import register_tasks
from core.plugins.manager import PluginHost
from core.settings import Settings


def create_huey(settings: Settings, **options: Any) -> Huey:
    """SQLite-backed Huey under ``data_dir`` by default; Redis when ``queue_url`` is redis://.

    The tasks are registered on the returned instance; each task builds the runtime (engine,
    plugin host) lazily in the process that runs it.
    """
    # Outcomes live in our own tables (deliveries, job records); storing task results in the
    # queue would only add a write per task.
    options.setdefault("results", False)
    if settings.queue_url.startswith(("redis://", "rediss://")):
        huey: Huey = RedisHuey("tanzi", url=settings.queue_url, **options)
    else:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey("tanzi", filename=str(settings.data_dir / "queue.db"), **options)
    bind_queue(huey, settings)
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
    return assemble_runtime(settings, huey or create_huey(settings), engine=engine, host=host)
