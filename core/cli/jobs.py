"""``tanzi worker``: queue consumers for Redis-backed deployments (filled by the plugin host)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the job commands to ``app``."""
