"""Errors a plugin sees when it calls the shop through its :class:`~sdk.client.ShopClient`."""

from __future__ import annotations


class ClientError(Exception):
    """Base of every error the shop client raises on purpose."""

    code: str = "client_error"


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
