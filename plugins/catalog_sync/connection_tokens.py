"""A channel's tokens: the host's connection JSON (access and refresh token, expiry, token
endpoint; see :mod:`plugins.catalog_sync.connect`), or a token pasted in the manual form
(other platforms), kept as it is. :func:`tanzi_tokens` gives the HTTP client a token that
refreshes itself and is sealed again after each refresh (a worker first takes the pair
another worker sealed since, rather than spend a rotated refresh token twice)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from plugins.catalog_sync import records as rec
from sdk.client import HostedShopClient
from sdk.http.tokens import RefreshTokenGrant, TokenRefresher, TokenSet


def connection(secret: str | None) -> dict[str, Any] | None:
    """The host's connection JSON, or ``None`` for a pasted token (or none)."""
    if not secret or not secret.startswith("{"):
        return None
    try:
        data = json.loads(secret)
    except ValueError:
        return None
    return data if isinstance(data, dict) and data.get("access_token") else None


def tanzi_tokens(
    client: HostedShopClient, name: str, secret: str
) -> tuple[str | TokenSet, TokenRefresher | None, Callable[[TokenSet], None] | None]:
    """The HTTP client's token, refresher and ``on_tokens`` for the channel's secret."""
    data = connection(secret)
    if data is None:
        return secret, None, None
    grant = RefreshTokenGrant(
        str(data["token_url"]), client_id=str(data["client_id"]), auth_method="none"
    )

    def refresh(current: TokenSet) -> TokenSet:
        # another worker may have refreshed since this client opened the secret: a second
        # use of a rotated refresh token would revoke the whole grant
        latest = connection(client.secrets.get(rec.secret_name(name)))
        if latest is not None and latest["access_token"] != current.access_token:
            fresher = _token_set(latest)
            if not fresher.expires_soon():
                return fresher
        return grant(current)

    def keep(new: TokenSet) -> None:
        fresh = {
            **data,
            "access_token": new.access_token,
            "refresh_token": new.refresh_token,
            "expires_at": new.expires_at,
            "scope": new.scope,
        }
        client.secrets.put(rec.secret_name(name), json.dumps(fresh))

    return _token_set(data), refresh, keep


def _token_set(data: dict[str, Any]) -> TokenSet:
    return TokenSet(
        access_token=str(data["access_token"]),
        refresh_token=data.get("refresh_token"),
        expires_at=data.get("expires_at"),
        scope=data.get("scope"),
    )
