"""Domain errors. Each maps to an RFC 9457 problem: status, machine-readable code, field path."""

from __future__ import annotations

from typing import Any

_RESERVED = frozenset({"type", "title", "status", "code", "detail", "instance"})


class TanziError(Exception):
    """Base of every error the kernel raises on purpose."""

    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        field: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        self.field = field
        self.extra = extra or {}

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        """The problem-details body for this error."""
        body: dict[str, Any] = {
            "type": f"https://tanzi.dev/problems/{self.code}",
            "title": self.title,
            "status": self.status,
            "code": self.code,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        if self.field:
            body["errors"] = [{"field": self.field, "message": self.detail}]
        # extra members add detail (``errors`` may list several fields); they never
        # replace what identifies the problem
        body.update({k: v for k, v in self.extra.items() if k not in _RESERVED})
        return body


class InvalidInput(TanziError):
    status, code, title = 422, "invalid_input", "Invalid input"


class NotFound(TanziError):
    status, code, title = 404, "not_found", "Not found"


class Unauthenticated(TanziError):
    status, code, title = 401, "unauthenticated", "Authentication required"


class PermissionDenied(TanziError):
    status, code, title = 403, "permission_denied", "Permission denied"


class Conflict(TanziError):
    status, code, title = 409, "conflict", "Conflict"


class LimitExceeded(TanziError):
    """A configured limit (shops per account, members per shop...) would be passed."""

    status, code, title = 409, "limit_exceeded", "Limit exceeded"

    def __init__(self, detail: str, *, limit: str, maximum: int, field: str | None = None) -> None:
        super().__init__(detail, field=field, extra={"limit": limit, "maximum": maximum})


class InvalidState(TanziError):
    """The resource is not in a state that allows this action."""

    status, code, title = 409, "invalid_state", "Action not allowed in this state"


class OutOfStock(TanziError):
    status, code, title = 409, "out_of_stock", "Out of stock"
