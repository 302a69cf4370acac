"""The ``tanzi`` command line: serve, worker, db, demo, token, plugins."""

from __future__ import annotations

import typer

from core.cli import admin, db, jobs, plugins, serve, tokens

app = typer.Typer(
    name="tanzi",
    help="Tanzi: a shop kernel and its service market.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
serve.register(app)
jobs.register(app)
app.add_typer(db.app, name="db", help="Database migrations.")
app.add_typer(admin.app, name="admin", help="Platform admin accounts.")
app.add_typer(tokens.app, name="token", help="Personal access tokens.")
app.add_typer(plugins.app, name="plugins", help="Loaded plugins and their status.")
