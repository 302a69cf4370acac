"""A web session ends on the server's side: after signing out, a new password or a
suspension, a copy of the old session cookie opens nothing."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

import core.models as m
from core.services.accounts import change_password
from marketplace.app import SESSION_COOKIE
from tests.conftest import Factory
from tests.webtools import HTML, csrf_from, sign_in


def _signed_in(app: FastAPI, email: str, password: str = "secret-pass") -> TestClient:
    client = TestClient(app)
    sign_in(client, email, password)
    return client


def _opens_console(app: FastAPI, cookie: str) -> bool:
    """Whether a fresh browser holding only ``cookie`` gets the console."""
    with TestClient(app, cookies={SESSION_COOKIE: cookie}) as other:
        response = other.get("/console", headers=HTML, follow_redirects=False)
    assert response.status_code in (200, 303), response.text
    return response.status_code == 200


def test_a_copied_session_cookie_stops_working_after_sign_out(
    app: FastAPI, factory: Factory
) -> None:
    account = factory.account(email="mei@example.com")
    factory.shop(account)
    client = _signed_in(app, account.email)
    copied = client.cookies[SESSION_COOKIE]
    assert _opens_console(app, copied)

    page = client.get("/console", headers=HTML)
    out = client.post(
        "/signout", data={"csrf_token": csrf_from(page.text)}, headers=HTML, follow_redirects=False
    )
    assert out.status_code == 303
    assert not _opens_console(app, copied)
    with TestClient(app, cookies={SESSION_COOKIE: copied}) as other:
        missing = other.get("/no-such-page", headers=HTML)
    assert missing.status_code == 404
    assert account.name not in missing.text  # error pages show no one signed in either
    # signing in again works, with a new cookie
    assert _opens_console(app, _signed_in(app, account.email).cookies[SESSION_COOKIE])


def test_a_new_password_ends_the_other_sessions(
    app: FastAPI, engine: Engine, factory: Factory
) -> None:
    account = factory.account(email="li@example.com")
    copied = _signed_in(app, account.email).cookies[SESSION_COOKIE]
    with Session(engine) as session:
        row = session.get(m.Account, account.id)
        assert row is not None
        change_password(
            session, account=row, current_password="secret-pass", new_password="a-new-secret"
        )
        session.commit()
    assert not _opens_console(app, copied)
    assert _opens_console(
        app, _signed_in(app, account.email, "a-new-secret").cookies[SESSION_COOKIE]
    )


def test_changing_the_password_through_the_api(
    client: TestClient, factory: Factory, app: FastAPI
) -> None:
    account = factory.account(email="wu@example.com")
    copied = _signed_in(app, account.email).cookies[SESSION_COOKIE]
    headers = factory.headers(account)
    wrong = client.post(
        "/api/v1/me/password",
        headers=headers,
        json={"current_password": "not-it", "new_password": "a-new-secret"},
    )
    assert wrong.status_code == 401 and wrong.json()["code"] == "invalid_credentials"
    assert _opens_console(app, copied)
    done = client.post(
        "/api/v1/me/password",
        headers=headers,
        json={"current_password": "secret-pass", "new_password": "a-new-secret"},
    )
    assert done.status_code == 204, done.text
    assert not _opens_console(app, copied)
