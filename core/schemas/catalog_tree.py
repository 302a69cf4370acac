"""The public category tree and shop qualifications: what the API reads and returns."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from core.models import QualificationStatus, ShopType

QualificationKind = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$"
    ),
]


class CategoryCreate(BaseModel):
    """A new category (admins only). A child never allows more than its parent."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
    parent_id: int | None = Field(default=None, gt=0)
    shop_types: list[ShopType] = Field(
        default_factory=lambda: list(ShopType), description="Shop types that may sell here"
    )
    qualifications: list[QualificationKind] = Field(
        default_factory=list, max_length=10, description="Licence kinds a shop needs approved"
    )


class CategoryNode(BaseModel):
    """A category with its children, nested."""

    id: int
    parent_id: int | None
    name: str
    shop_types: list[str]
    qualifications: list[str]
    children: list[CategoryNode] = Field(default_factory=list)


class QualificationCreate(BaseModel):
    """A licence a shop submits for review."""

    kind: QualificationKind = Field(description="e.g. food_licence, cosmetics_licence")
    document_number: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=4, max_length=64)
    ]
    document_file_id: int | None = Field(
        default=None, ge=1, description="The licence's scan, a document file of the shop"
    )


class QualificationReject(BaseModel):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class QualificationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    shop_id: int
    kind: str
    document_number: str
    document_file_id: int | None = None
    status: QualificationStatus
    reason: str
    reviewed_by: int | None
    created_at: datetime
    reviewed_at: datetime | None
