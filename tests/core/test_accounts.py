"""Sign-up, tokens, /me and revocation, through the HTTP API."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.models import AccessToken, Account
from core.security import token_hash
from core.services.accounts import authenticate, create_account, issue_personal_token

PROBLEM = "application/problem+json"


def _sign_up(client: TestClient, email: str = "mei@example.com") -> dict:
    response = client.post(
        "/api/v1/accounts", json={"email": email, "name": "Mei", "password": "long-enough"}
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_sign_up_token_me_and_revoke(client: TestClient) -> None:
    account = _sign_up(client, "Mei@Example.com")
    assert account["email"] == "mei@example.com"
    assert "password" not in account and "password_hash" not in account

    response = client.post(
        "/api/v1/tokens", json={"email": "mei@example.com", "password": "long-enough"}
    )
    assert response.status_code == 201
    token = response.json()["token"]
    assert token.startswith("tz_pat_")
    headers = {"Authorization": f"Bearer {token}"}

    me = client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["id"] == account["id"]
    assert me.json()["name"] == "Mei"

    assert client.delete("/api/v1/tokens/current", headers=headers).status_code == 204
    after = client.get("/api/v1/me", headers=headers)
    assert after.status_code == 401
    assert after.json()["code"] == "invalid_token"


def test_duplicate_email_is_409_email_taken(client: TestClient) -> None:
    _sign_up(client)
    response = client.post(
        "/api/v1/accounts",
        json={"email": "MEI@example.com", "name": "Other", "password": "long-enough"},
    )
    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "email_taken"
    assert response.json()["errors"][0]["field"] == "body.email"


def test_bad_credentials_are_401_problem(client: TestClient) -> None:
    _sign_up(client)
    for email, password in [("mei@example.com", "wrong-password"), ("nobody@x.com", "whatever1")]:
        response = client.post("/api/v1/tokens", json={"email": email, "password": password})
        assert response.status_code == 401
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["code"] == "invalid_credentials"


def test_short_password_is_422_with_field(client: TestClient) -> None:
    response = client.post(
        "/api/v1/accounts", json={"email": "a@example.com", "name": "A", "password": "short"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"][0]["field"] == "body.password"

    response = client.post(
        "/api/v1/accounts", json={"email": "not-an-email", "name": "A", "password": "long-enough"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.email"


def test_me_needs_a_token(client: TestClient) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_services_for_the_cli(engine: Engine, client: TestClient) -> None:
    with Session(engine) as session:
        account = create_account(
            session, email="admin@example.com", name="Admin", password="admin-pass", is_admin=True
        )
        raw = issue_personal_token(session, account=account, name="cli")
        assert authenticate(session, email="ADMIN@example.com", password="admin-pass") is account
        session.commit()
        stored = session.exec(select(AccessToken).where(AccessToken.token_hash == token_hash(raw)))
        row = stored.one()
        assert row.kind == "personal" and row.name == "cli" and row.account_id == account.id
        assert session.exec(select(Account)).one().is_admin
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert me.status_code == 200 and me.json()["is_admin"] is True
