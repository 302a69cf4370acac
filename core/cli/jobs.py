"""``tanzi worker``: a queue consumer in the foreground (Redis or SQLite queue)."""

from __future__ import annotations

import typer

from core.settings import get_settings


def register(app: typer.Typer) -> None:
    """Add the job commands to ``app``."""

    @app.command()
    def worker(
        workers: int = typer.Option(4, help="Worker threads (or processes)"),
        processes: bool = typer.Option(False, "--processes", help="Use processes"),
    ) -> None:
        """Consume jobs and event deliveries until interrupted."""
        from core.jobs.worker import run_worker

        run_worker(
            get_settings(), workers=workers, worker_type="process" if processes else "thread"
        )
