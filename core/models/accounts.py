"""People and their credentials."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from core.models.base import created_at_field, datetime_field, json_field


class Account(SQLModel, table=True):
    """A person's identity. Owns shops, is a member of others, may be a platform admin."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(index=True, unique=True, max_length=254)
    name: str = Field(max_length=100)
    password_hash: str = ""
    is_admin: bool = False
    is_provider: bool = False
    #: bumped to end every signed-in session of the account (sign-out, new password,
    #: suspension); a session cookie carries the version it was signed in with
    session_version: int = 0
    #: set while a platform admin has suspended the account: no sign-in, no tokens
    suspended_at: datetime | None = datetime_field()
    suspension_reason: str = Field(default="", max_length=1000)
    created_at: datetime = created_at_field()


class AccessToken(SQLModel, table=True):
    """A bearer token, stored as a SHA-256 hash.

    ``kind`` is ``personal`` (a person acting with their member permissions) or ``oauth``
    (a service acting for one installation with its granted scopes).
    """

    id: int | None = Field(default=None, primary_key=True)
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    token_hash: str = Field(index=True, unique=True, max_length=64)
    kind: str = Field(default="personal", max_length=16)
    name: str = Field(default="", max_length=100)
    scopes: list[str] = json_field()
    shop_id: int | None = Field(default=None, index=True)
    installation_id: int | None = Field(default=None, index=True)
    client_id: str | None = Field(default=None, max_length=64)
    expires_at: datetime | None = datetime_field()
    revoked_at: datetime | None = datetime_field()
    created_at: datetime = created_at_field()
