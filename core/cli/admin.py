"""``tanzi admin create``: platform admin accounts (they cannot sign up on the web)."""

from __future__ import annotations

import typer
from rich.console import Console

from core.db import create_db_engine, session_scope
from core.errors import TanziError
from core.settings import get_settings

app = typer.Typer(no_args_is_help=True)
console = Console()
err = Console(stderr=True)


@app.command()
def create(
    email: str = typer.Option(..., help="The admin's sign-in e-mail"),
    name: str = typer.Option("Platform admin", help="Shown in the audit log"),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, help="At least 8 characters"
    ),
) -> None:
    """Create a platform admin, or make an existing account one."""
    from core.services.accounts import create_account, get_account_by_email

    if len(password) < 8:
        err.print("[red]The password needs at least 8 characters.[/]")
        raise typer.Exit(2)
    engine = create_db_engine(get_settings())
    try:
        with session_scope(engine) as session:
            account = get_account_by_email(session, email=email)
            if account is None:
                account = create_account(
                    session, email=email, name=name, password=password, is_admin=True
                )
                verb = "Created"
            else:
                account.is_admin = True
                session.add(account)
                verb = "Promoted"
    except TanziError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    console.print(f"[green]{verb} platform admin {email}.[/] Sign in at /signin.")
