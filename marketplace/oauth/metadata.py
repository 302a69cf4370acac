"""RFC 8414 authorization server metadata, served at ``/.well-known/oauth-authorization-server``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from authlib.oauth2.rfc8414 import AuthorizationServerMetadata

from marketplace.oauth.server import INTROSPECTION_AUTH_METHODS, TOKEN_AUTH_METHODS
from marketplace.oauth.tokens import ACCESS_TOKEN_TTL, CODE_TTL, REFRESH_TOKEN_TTL
from sdk.scopes import Scope

WELL_KNOWN_PATH = "/.well-known/oauth-authorization-server"


def server_metadata(base_url: str) -> AuthorizationServerMetadata:
    """The metadata for the host at ``base_url`` (``TANZI_BASE_URL``, the issuer).

    Beyond RFC 8414's members it states the lifetimes, in seconds: access tokens 1 hour,
    refresh tokens 30 days (rotated on each use), authorization codes 10 minutes; and the
    two fields every token response adds, ``shop_id`` and ``installation_id``.
    """
    issuer = base_url.rstrip("/")
    data: dict[str, Any] = {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/oauth/authorize",
        "token_endpoint": f"{issuer}/oauth/token",
        "revocation_endpoint": f"{issuer}/oauth/revoke",
        "introspection_endpoint": f"{issuer}/oauth/introspect",
        "scopes_supported": [scope.value for scope in Scope],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_methods_supported": TOKEN_AUTH_METHODS,
        "revocation_endpoint_auth_methods_supported": TOKEN_AUTH_METHODS,
        "introspection_endpoint_auth_methods_supported": INTROSPECTION_AUTH_METHODS,
        "code_challenge_methods_supported": ["S256"],
        "service_documentation": f"{issuer}/docs",
        "ui_locales_supported": ["zh-CN", "en"],
        "access_token_lifetime_s": _seconds(ACCESS_TOKEN_TTL),
        "refresh_token_lifetime_s": _seconds(REFRESH_TOKEN_TTL),
        "authorization_code_lifetime_s": _seconds(CODE_TTL),
        "refresh_token_rotation": True,
        "token_response_extra_fields": ["shop_id", "installation_id"],
    }
    return AuthorizationServerMetadata(data)


def _seconds(value: timedelta) -> int:
    return int(value.total_seconds())
