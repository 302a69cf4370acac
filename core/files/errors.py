"""Why an upload was refused, each a problem with a field path (see ``core.errors``)."""

from __future__ import annotations

from core.errors import InvalidInput, TanziError


class FileTooLargeError(TanziError):
    """The upload passed the size limit (checked while it streams in)."""

    status, code, title = 413, "file_too_large", "File too large"

    def __init__(self, limit: int, *, field: str) -> None:
        super().__init__(
            f"The file is larger than the limit of {limit} bytes ({limit // (1024 * 1024)} MB).",
            field=field,
            extra={"maximum": limit},
        )


class UnsupportedFileType(TanziError):
    """The bytes are not of a type accepted here, whatever their name or declared type."""

    status, code, title = 415, "unsupported_file_type", "Unsupported file type"

    def __init__(self, found: str, allowed: list[str], *, field: str) -> None:
        super().__init__(
            f"The file's content is {found}, which is not accepted here; "
            f"send one of: {', '.join(allowed)}.",
            field=field,
            extra={"allowed": allowed},
        )


class InvalidImage(InvalidInput):
    """The bytes start like an image but do not decode as a whole one."""

    code = "invalid_image"

    def __init__(self, reason: str, *, field: str) -> None:
        super().__init__(f"The image cannot be read: {reason}.", field=field)
