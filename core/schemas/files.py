"""Stored files and product images as the API shows them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class ProductImagePublic(BaseModel):
    """One image of a product: where it is served, its thumbnail, its order."""

    id: int
    file_id: int
    position: int = Field(description="0 first; the order shown to buyers")
    is_main: bool
    url: str = Field(description="Root-relative URL of the image; immutable, cacheable")
    thumbnail_url: str | None
    content_type: str
    size: int
    width: int | None
    height: int | None


class StorefrontImage(BaseModel):
    """A product image as buyers see it."""

    url: str
    thumbnail_url: str | None
    width: int | None
    height: int | None
    is_main: bool


class ImageOrder(BaseModel):
    """Every image id of the product, in the new order."""

    model_config = ConfigDict(extra="forbid")

    image_ids: list[int] = Field(min_length=1, max_length=100)


class FileLink(BaseModel):
    """A short-lived signed download link for a private file."""

    url: str
    expires_at: datetime


class ShopIconPublic(BaseModel):
    """A shop's icon; the URLs are ``None`` when it has none."""

    url: str | None
    thumbnail_url: str | None
    width: int | None = None
    height: int | None = None


class DocumentPublic(BaseModel):
    """A private document of the shop (a licence's scan), read through signed links."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    content_type: str
    size: int
    filename: str
    width: int | None = None
    height: int | None = None
