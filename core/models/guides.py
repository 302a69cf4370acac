"""Quick guides and the merchant growth centre (快捷指引, 商家成长中心): admin-written guides in
Markdown, in Chinese and English, ordered in courses, and each person's progress."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from core.models.base import created_at_field, datetime_field


class GuideCourse(StrEnum):
    """The courses, in the order a merchant meets them: from opening a shop to the rules."""

    opening = "opening"
    products = "products"
    orders = "orders"
    logistics = "logistics"
    services = "services"
    rules = "rules"


class Guide(SQLModel, table=True):
    """One guide: a lesson of a course (``position`` orders it), linked from the console
    page named by ``page_key`` (a console tab such as ``products``; empty for none)."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True)
    course: GuideCourse = Field(index=True)
    position: int = Field(default=0, ge=0)
    page_key: str = Field(default="", max_length=40, index=True)
    title_zh: str = Field(max_length=120)
    title_en: str = Field(max_length=120)
    body_zh: str = Field(max_length=20000)
    body_en: str = Field(max_length=20000)
    published: bool = True
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class GuideProgress(SQLModel, table=True):
    """A person's progress in one guide: first read, and completed when they say so."""

    __tablename__ = "guide_progress"
    __table_args__ = (UniqueConstraint("account_id", "guide_id"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    guide_id: int = Field(foreign_key="guide.id", index=True)
    read_at: datetime = created_at_field()
    completed_at: datetime | None = datetime_field()
