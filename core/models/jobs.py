"""Records of long-running work done by the job worker."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from core.models.base import created_at_field, datetime_field, json_field


class JobStatus(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"


class Job(SQLModel, table=True):
    """One job: what it is, how far it got, what went wrong per row, and where its file is.

    ``checkpoint`` holds the last completed step so a restarted worker resumes after it;
    ``heartbeat_at`` is touched while the job runs, so a job whose worker died is re-queued.
    """

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=60, index=True)
    shop_id: int | None = Field(default=None, foreign_key="shop.id", index=True)
    status: JobStatus = Field(default=JobStatus.queued, index=True)
    params: dict = json_field(dict)
    progress: int = 0
    total: int | None = None
    counts: dict = json_field(dict)
    errors: list = json_field()
    checkpoint: dict = json_field(dict)
    result_path: str | None = Field(default=None, max_length=500)
    message: str = Field(default="", max_length=2000)
    cancel_requested: bool = False
    created_at: datetime = created_at_field()
    started_at: datetime | None = datetime_field()
    finished_at: datetime | None = datetime_field()
    heartbeat_at: datetime | None = datetime_field()
