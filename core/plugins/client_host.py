"""What the in-process client needs beyond the database: the file store and its limits,
and (for ``client.jobs``) the plugin host and the job queue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.files.service import local_store
from core.files.store import FileStore
from core.settings import Settings


@dataclass(frozen=True)
class ClientHost:
    """The services a :class:`~core.plugins.client.ScopedClient` reaches besides the DB."""

    settings: Settings
    store: FileStore
    #: the plugin host (``PluginHost``), to find a plugin's job kinds
    plugins: Any = None
    #: the Huey queue jobs are enqueued on
    huey: Any = None

    @classmethod
    def of(cls, settings: Settings, *, store: FileStore | None = None, **kw: Any) -> ClientHost:
        """A client host on ``settings``, with the default folder store unless given."""
        return cls(settings=settings, store=store or local_store(settings.data_dir), **kw)

    @classmethod
    def of_runtime(cls, runtime: Any) -> ClientHost | None:
        """The client host of a worker or app runtime (``None`` when it has no settings)."""
        settings = getattr(runtime, "settings", None)
        if settings is None:
            return None
        return cls.of(
            settings,
            store=getattr(runtime, "file_store", None),
            plugins=getattr(runtime, "host", None),
            huey=getattr(runtime, "huey", None),
        )
