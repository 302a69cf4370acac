"""Stored files as a plugin sees them: uploads it reads, result files it writes.

Files belong to one shop. A plugin reads a file as a stream (never whole in memory) and
writes one from chunks; the host counts the size against its limit, computes the sha256,
sniffs the type from the first bytes (a file that is not what it claims to be is refused),
and removes the file when its retention ends. Merchants download files only through
short-lived signed links.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sdk.models import Snapshot

#: What a stored file is, as the client reports it.
FilePurposeName = Literal["upload", "result", "product_image"]

#: The content types a result file may have (sniffed from its bytes).
RESULT_TYPES = (
    "text/csv",
    "text/plain",
    "application/json",
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/zip",
)

#: How long a result file is kept unless the writer says otherwise.
DEFAULT_RETENTION_DAYS = 7


class FileInfo(Snapshot):
    """One stored file of the shop."""

    id: int
    filename: str = ""
    content_type: str = ""
    size: int = 0
    sha256: str = ""
    purpose: str | None = None
    created_at: datetime | None = None
    expires_at: datetime | None = None


class FileLink(Snapshot):
    """A signed download link, valid until ``expires_at`` (a few minutes). ``url`` is
    root-relative on the host (``/api/v1/files/signed/...``)."""

    url: str
    expires_at: datetime
