"""``tanzi db upgrade`` / ``tanzi db revision``."""

from __future__ import annotations

import typer
from rich.console import Console

from core.db import create_db_engine
from core.settings import get_settings

app = typer.Typer(no_args_is_help=True)
console = Console()


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision")) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from core.migrate import current_revision
    from core.migrate import upgrade as run_upgrade

    settings = get_settings()
    engine = create_db_engine(settings)
    before = current_revision(engine)
    run_upgrade(engine, revision)
    after = current_revision(engine)
    console.print(f"[green]Database at {after}[/] (was {before or 'empty'}): {engine.url!r}")


@app.command()
def revision(message: str = typer.Option(..., "-m", help="What the migration does")) -> None:
    """Autogenerate a migration from the models (developers)."""
    from core.migrate import make_revision

    make_revision(create_db_engine(get_settings()), message)
