"""Errors a plugin sees when it calls the shop through its :class:`~sdk.client.ShopClient`."""

from __future__ import annotations

from typing import Any


class ClientError(Exception):
    """Base of every error the shop client raises on purpose."""

    code: str = "client_error"
    #: The API's RFC 9457 problem document, when the error came over HTTP.
    problem: dict[str, Any] | None = None


class ScopeDenied(ClientError):
    """The installation was not granted the scope this call needs; nothing was written."""

    code = "scope_denied"

    def __init__(self, scope: str, detail: str | None = None) -> None:
        self.scope = scope
        super().__init__(detail or f"This installation was not granted the '{scope}' scope.")


class ResourceNotFound(ClientError):
    """The resource does not exist in this installation's shop."""

    code = "not_found"


class InvalidRequest(ClientError):
    """The shop refused the call (bad input or a state that does not allow it)."""

    code = "invalid_request"

    def __init__(self, detail: str, *, code: str = "invalid_request") -> None:
        self.code = code
        super().__init__(detail)


class AccessDenied(ClientError):
    """The shop refused the caller itself (HTTP client): a token that is invalid and could
    not be refreshed, or an installation that is paused, removed or suspended.

    ``status`` is the HTTP status (401 or 403) and ``code`` the problem's code
    (``invalid_token``, ``token_expired``, ``installation_paused``...).
    """

    code = "access_denied"

    def __init__(self, detail: str, *, code: str = "access_denied", status: int = 401) -> None:
        self.code = code
        self.status = status
        super().__init__(detail)


class RateLimited(ClientError):
    """The API kept answering 429 after the HTTP client's retries; ``retry_after_s`` is
    how long it last asked to wait."""

    code = "rate_limited"

    def __init__(self, detail: str, *, retry_after_s: float) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(detail)


class ServerError(ClientError):
    """The API failed (5xx) or could not be reached, even after the HTTP client's retries."""

    code = "server_error"

    def __init__(self, detail: str, *, status: int | None = None) -> None:
        self.status = status
        super().__init__(detail)
