"""``tanzi serve``: the web app, the embedded job worker and, with ``--demo``, demo data."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from core.settings import SettingsError, get_settings

#: Seconds uvicorn's supervisor waits for a web process to answer its health ping before it
#: kills and replaces it. Its default (5 s) is shorter than this app's start-up (imports) on
#: a busy 2-core machine, so with ``--workers 2`` it kept killing processes still starting.
WORKER_HEALTHCHECK_S = 60

console = Console()
err = Console(stderr=True)


def register(app: typer.Typer) -> None:
    """Add ``serve`` to ``app``."""

    @app.command()
    def serve(
        host: str = typer.Option("127.0.0.1", help="Interface to listen on"),
        port: int = typer.Option(8000, help="Port to listen on"),
        workers: int = typer.Option(1, help="Web worker processes"),
        demo: bool = typer.Option(False, "--demo", help="Load demo data (idempotent)"),
        embedded_worker: bool = typer.Option(
            True, help="Run the job consumer in this process (the default for SQLite)"
        ),
    ) -> None:
        """Serve Tanzi over HTTP."""
        import uvicorn

        from core.db import create_db_engine, session_scope
        from core.migrate import upgrade

        settings = get_settings()
        try:
            settings.ensure_secret_key()
        except SettingsError as exc:
            err.print(f"[red]{exc}[/]")
            raise typer.Exit(2) from exc
        engine = create_db_engine(settings)
        if settings.is_sqlite:
            upgrade(engine)
        sign_ins: list[tuple[str, str, str]] = []
        demo_shops: list[int] = []
        if demo:
            from core.demo import demo_shop_ids, load_demo

            with session_scope(engine) as session:
                sign_ins = load_demo(session, settings=settings)
                demo_shops = demo_shop_ids(session)
        engine.dispose()
        stop_worker = None
        if embedded_worker:
            from core.jobs import start_embedded_worker

            stop_worker = start_embedded_worker(settings)
        url = f"http://{host}:{port}"
        console.print(
            f"[bold green]Tanzi[/] serving at [link={url}]{url}[/]  (API docs: {url}/docs)"
        )
        console.print(f"Database: {settings.database_url}")
        if sign_ins:
            table = Table(title="Demo sign-ins")
            for column in ("role", "email", "password"):
                table.add_column(column)
            for row in sign_ins:
                table.add_row(*row)
            console.print(table)
        for shop_id in demo_shops:
            console.print(f"Demo buyer page: {url}/s/{shop_id}  (buyer@demo.tanzi orders here)")
        try:
            uvicorn.run(
                "marketplace.app:create_app",
                factory=True,
                host=host,
                port=port,
                workers=workers,
                timeout_worker_healthcheck=WORKER_HEALTHCHECK_S,
                log_level="info",
            )
        finally:
            if stop_worker is not None:
                stop_worker()
