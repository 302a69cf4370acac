"""Plugin records: the JSON documents an installation keeps through ``client.records``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.models.base import created_at_field, json_field, utcnow


class PluginRecord(SQLModel, table=True):
    """One document of one installation, at ``(collection, key)``.

    Plugins never see this row: they go through the scoped client, which fixes
    ``installation_id`` and ``shop_id`` to the installation calling it.
    """

    __tablename__ = "pluginrecord"
    __table_args__ = (UniqueConstraint("installation_id", "collection", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    installation_id: int = Field(foreign_key="installation.id", index=True)
    shop_id: int = Field(foreign_key="shop.id", index=True)
    collection: str = Field(max_length=63)
    key: str = Field(max_length=200)
    data: dict = json_field(dict)
    created_at: datetime = created_at_field()
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
