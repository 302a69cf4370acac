"""``tanzi admin create``: admins are made on the command line, never by web sign-up."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from core.cli import app as cli
from core.models import Account
from core.settings import Settings
from tests.webtools import sign_in


def _run(settings: Settings, *args: str, password: str = "an-admin-password") -> object:
    env = {
        "TANZI_DATABASE_URL": settings.database_url,
        "TANZI_DATA_DIR": str(settings.data_dir),
        "TANZI_SECRET_KEY": "test-secret-key",
    }
    return CliRunner().invoke(
        cli, ["admin", "create", *args], input=f"{password}\n{password}\n", env=env
    )


def test_admin_create_makes_an_admin_who_can_sign_in(
    settings: Settings, engine: Engine, client: TestClient
) -> None:
    result = _run(settings, "--email", "Root@Example.com", "--name", "Root")
    assert result.exit_code == 0, result.output
    assert "Created platform admin" in result.output
    with Session(engine) as session:
        admin = session.exec(select(Account).where(Account.email == "root@example.com")).one()
    assert admin.is_admin and not admin.is_provider
    assert admin.password_hash.startswith("$argon2")
    sign_in(client, "root@example.com", "an-admin-password")


def test_admin_create_promotes_an_existing_account_and_refuses_short_passwords(
    settings: Settings, engine: Engine, factory
) -> None:
    factory.account(email="lin@example.com")
    short = _run(settings, "--email", "lin@example.com", password="short")
    assert short.exit_code == 2
    assert "at least 8 characters" in short.output
    promoted = _run(settings, "--email", "lin@example.com")
    assert promoted.exit_code == 0, promoted.output
    with Session(engine) as session:
        assert (
            session.exec(select(Account).where(Account.email == "lin@example.com")).one().is_admin
        )
