"""Domain errors. Each maps to an RFC 9457 problem: status, machine-readable code, field path."""

from __future__ import annotations

import math
from typing import Any

_RESERVED = frozenset({"type", "title", "status", "code", "detail", "instance"})


class TanziError(Exception):
    """Base of every error the kernel raises on purpose."""

    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"
    #: Response headers to send with the problem (e.g. ``Retry-After``).
    headers: dict[str, str]

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
        self.headers = {}

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


class PaymentFailed(TanziError):
    """The payment provider declined or could not take a payment (402); nothing changed."""

    status, code, title = 402, "payment_failed", "Payment failed"

    def __init__(self, detail: str, *, code: str = "payment_failed") -> None:
        super().__init__(detail, code=code)


class RateLimited(TanziError):
    """The caller has used up its request budget; ``Retry-After`` says when to come back."""

    status, code, title = 429, "rate_limited", "Too many requests"

    def __init__(
        self, detail: str, *, retry_after_s: float, headers: dict[str, str] | None = None
    ) -> None:
        retry_after = max(1, math.ceil(retry_after_s))
        super().__init__(detail, extra={"retry_after_s": retry_after})
        self.headers = {**(headers or {}), "Retry-After": str(retry_after)}
