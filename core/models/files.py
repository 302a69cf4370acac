"""Stored files (uploads and results, owned by one shop) and a product's images."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from core.models.base import created_at_field, datetime_field


class FilePurpose(StrEnum):
    """What a stored file is for; it decides who may read it and how it is served."""

    product_image = "product_image"
    shop_icon = "shop_icon"
    thumbnail = "thumbnail"
    document = "document"
    result = "result"
    upload = "upload"


class StoredFile(SQLModel, table=True):
    """One file in the file store, owned by one shop.

    ``storage_key`` names the bytes in the store; ``sha256`` is their digest (the ETag);
    ``public`` files are served to anyone at a URL naming their digest, the others only
    through short-lived signed links. A thumbnail points at its original (``original_id``).
    """

    __tablename__ = "stored_file"

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shop.id", index=True)
    purpose: FilePurpose
    storage_key: str = Field(max_length=200, unique=True)
    #: a MIME type (RFC 6838 allows 127 + 1 + 127; XLSX's alone is 65)
    content_type: str = Field(max_length=255)
    size: int = Field(ge=0)
    sha256: str = Field(max_length=64)
    filename: str = Field(default="", max_length=200)
    public: bool = False
    width: int | None = None
    height: int | None = None
    original_id: int | None = Field(default=None, foreign_key="stored_file.id", index=True)
    created_at: datetime = created_at_field()
    expires_at: datetime | None = datetime_field()


class ProductImage(SQLModel, table=True):
    """An image of a product, in the product's order; exactly one is the main image."""

    __tablename__ = "product_image"
    __table_args__ = (UniqueConstraint("product_id", "file_id"),)

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shop.id", index=True)
    product_id: int = Field(foreign_key="product.id", index=True)
    file_id: int = Field(foreign_key="stored_file.id")
    thumbnail_id: int | None = Field(default=None, foreign_key="stored_file.id")
    position: int = Field(default=0, ge=0)
    is_main: bool = False
    created_at: datetime = created_at_field()
