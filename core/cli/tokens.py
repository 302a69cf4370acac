"""``tanzi token create EMAIL``."""

from __future__ import annotations

import typer
from rich.console import Console
from sqlmodel import select

from core.db import create_db_engine, session_scope
from core.models import Account
from core.settings import get_settings

app = typer.Typer(no_args_is_help=True)
console = Console()
err = Console(stderr=True)


@app.command()
def create(
    email: str = typer.Argument(..., help="The account the token acts for"),
    name: str = typer.Option("cli", help="A label to recognise the token by"),
) -> None:
    """Create a personal access token for EMAIL and print it once."""
    from core.services.accounts import issue_personal_token

    engine = create_db_engine(get_settings())
    with session_scope(engine) as session:
        account = session.exec(select(Account).where(Account.email == email.lower())).first()
        if account is None:
            err.print(f"[red]No account with email {email!r}.[/] Create one first (sign up).")
            raise typer.Exit(1)
        token = issue_personal_token(session, account=account, name=name)
    console.print(f"[green]Token for {email}[/] (shown once, keep it secret):")
    print(token)
