"""A shop's plugin installations and the records plugins keep: what the API reads and returns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from core.schemas.aftersales import UtcDatetime


class InstallationPublic(BaseModel):
    """One plugin installed in the shop, with the scopes the merchant granted.

    ``settings`` is ``None`` for services (only the shop's people see settings).
    """

    id: int
    plugin_id: str
    name: str
    version: str
    status: str = Field(
        description="The merchant's choice: enabled, paused or removed (see service_status "
        "for whether it runs)."
    )
    service_status: str = Field(
        description="What the service does now: running, paused, suspended (by the "
        "platform), lapsed (subscription expired) or removed."
    )
    service_status_detail: str = Field(description="What service_status means for the shop.")
    granted_scopes: list[str]
    settings: dict[str, Any] | None
    circuit_state: str
    created_at: UtcDatetime
    removed_at: UtcDatetime | None = None


class InstallationSettingsUpdate(BaseModel):
    """New settings for an installation, checked against the plugin's settings model."""

    model_config = ConfigDict(extra="forbid")

    settings: dict[str, Any] = Field(default_factory=dict)


class PluginRecordPublic(BaseModel):
    """A JSON document a plugin keeps in the shop (a policy, a claim, a sync cursor...)."""

    id: int
    collection: str
    key: str
    data: dict[str, Any]
    created_at: datetime
    updated_at: datetime
