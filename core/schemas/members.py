"""Shop roles and members: what the API reads and returns."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from core.models import Area
from core.schemas.accounts import Email

RoleName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class RoleCreate(BaseModel):
    """A named set of permission areas."""

    name: RoleName
    areas: list[Area] = Field(default_factory=list, max_length=len(Area))


class RoleUpdate(BaseModel):
    """A partial change to a role; only the fields sent change."""

    name: RoleName | None = None
    areas: list[Area] | None = Field(default=None, max_length=len(Area))


class RolePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    shop_id: int
    name: str
    areas: list[str]


class MemberCreate(BaseModel):
    """Add an existing account, found by e-mail, with a role."""

    email: Email
    role_id: int = Field(gt=0)


class MemberUpdate(BaseModel):
    role_id: int = Field(gt=0)


class MemberPublic(BaseModel):
    id: int
    shop_id: int
    account_id: int
    email: str
    name: str
    is_owner: bool
    role_id: int | None
    role_name: str | None
    areas: list[str] = Field(description="The permission areas this member holds")
    created_at: datetime
