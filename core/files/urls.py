"""Where a stored file is served: public files at a URL naming their digest."""

from __future__ import annotations

from core.files.sniff import SUFFIXES
from core.models.files import StoredFile

#: The files route, under the open API's prefix (see ``core.api.files``).
FILES_PATH = "/api/v1/files"


def public_name(file: StoredFile) -> str:
    """The last part of a public file's URL: its sha256 and suffix (immutable content)."""
    return f"{file.sha256}{SUFFIXES.get(file.content_type, '')}"


def public_url(file: StoredFile) -> str:
    """The root-relative URL of a public file; it changes whenever the content does."""
    return f"{FILES_PATH}/{file.id}/{public_name(file)}"
