"""Accounts and personal access tokens: what the API reads and returns."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

#: A pragmatic e-mail shape (one ``@``, a dot in the domain, no spaces).
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"

Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=254, pattern=EMAIL_PATTERN)
]


class AccountCreate(BaseModel):
    """Sign-up."""

    email: Email
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    password: str = Field(min_length=8, max_length=200)


class SuspensionChange(BaseModel):
    """A platform admin's reason for suspending (required) or reinstating (optional)."""

    reason: str = Field(default="", max_length=1000)


class PasswordChange(BaseModel):
    """A new password, given with the current one."""

    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=8, max_length=200)


class AccountPublic(BaseModel):
    """An account as its owner sees it (never the password hash)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str
    is_admin: bool
    is_provider: bool
    suspended_at: datetime | None = None
    suspension_reason: str = ""
    created_at: datetime


class TokenCreate(BaseModel):
    """Credentials exchanged for a personal access token."""

    email: Email
    password: str = Field(min_length=1, max_length=200)
    name: str = Field(default="api", min_length=1, max_length=100, description="A label")


class TokenIssued(BaseModel):
    """A new personal access token. The token is shown only this once."""

    token: str
    token_type: str = "bearer"
    account: AccountPublic
