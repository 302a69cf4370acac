"""A service's own installation and the records it keeps: what its routes read and return."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class OwnInstallationPublic(BaseModel):
    """The installation a service token is bound to, as the service sees it."""

    id: int
    shop_id: int
    plugin_id: str
    version: str
    status: str
    granted_scopes: list[str]


class RecordWrite(BaseModel):
    """The document to store at ``(collection, key)``: a JSON object of at most 64 KiB."""

    model_config = ConfigDict(extra="forbid")

    data: dict[str, Any] = Field(default_factory=dict)


class CounterIncrement(BaseModel):
    """Add ``by`` to the counter ``data[field]`` unless it would leave ``0..ceiling``."""

    model_config = ConfigDict(extra="forbid")

    field: str = Field(max_length=63, description="The counter's name inside the record")
    by: int = Field(default=1, ge=-(2**31 - 1), le=2**31 - 1)
    ceiling: int | None = Field(default=None, ge=0, le=2**31 - 1)


class CounterValue(BaseModel):
    """The counter's new value, or ``null`` when the step was refused (nothing changed)."""

    value: int | None
