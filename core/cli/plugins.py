"""``tanzi plugins list``: every plugin the host would load, its status and its hooks."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from core.settings import get_settings

app = typer.Typer(no_args_is_help=True)
console = Console()

_STYLE = {"active": "green", "blocked": "yellow", "incompatible": "red", "error": "red"}


@app.command("list")
def list_plugins() -> None:
    """Show loaded plugins: id, version, status, reason and implemented hooks."""
    from core.plugins.manager import create_plugin_host

    host = create_plugin_host(get_settings())
    table = Table(title="Tanzi plugins")
    for column in ("id", "version", "status", "reason", "hooks", "module"):
        table.add_column(column)
    for p in host.plugins.values():
        style = _STYLE.get(p.status.value, "")
        table.add_row(
            p.id,
            p.version,
            f"[{style}]{p.status.value}[/]",
            p.reason,
            ", ".join(p.hooks),
            p.module_name,
        )
    console.print(table)
