"""OAuth tokens for the HTTP client, and how they are refreshed.

A refresher is any callable ``(TokenSet) -> TokenSet``: give it the current tokens, get
new ones. :class:`RefreshTokenGrant` is the standard one, the ``refresh_token`` grant of
RFC 6749 section 6 against any token endpoint (Tanzi's is ``{base_url}/oauth/token``); the
request body and client authentication are built by authlib.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import httpx
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc6749.parameters import prepare_token_request

from sdk.errors import AccessDenied, ServerError

#: Refresh this many seconds before ``expires_at``, so a token never expires in flight.
EXPIRY_LEEWAY_S = 30.0


@dataclass(frozen=True)
class TokenSet:
    """An access token, and what is needed to renew it.

    ``expires_at`` is a Unix time (``None``: unknown, the token is used until the API
    refuses it). ``refresh_token`` is ``None`` when the token cannot be refreshed.
    """

    access_token: str
    refresh_token: str | None = None
    expires_at: float | None = None
    scope: str | None = None

    @classmethod
    def from_response(
        cls, body: Mapping[str, Any], *, previous: TokenSet | None = None, now: float | None = None
    ) -> TokenSet:
        """The tokens of a token endpoint's JSON answer (RFC 6749 section 5.1).

        A server that does not rotate refresh tokens leaves ``refresh_token`` out: the
        previous one stays valid and is kept.
        """
        access = body.get("access_token")
        if not isinstance(access, str) or not access:
            raise AccessDenied("The token endpoint answered without an access_token.")
        expires_in = body.get("expires_in")
        expires_at = None
        if isinstance(expires_in, int | float):
            expires_at = (time.time() if now is None else now) + float(expires_in)
        refresh = body.get("refresh_token") or (previous.refresh_token if previous else None)
        return cls(
            access_token=access,
            refresh_token=refresh,
            expires_at=expires_at,
            scope=body.get("scope") or (previous.scope if previous else None),
        )

    def expires_soon(self, now: float | None = None) -> bool:
        """Whether the access token expires within :data:`EXPIRY_LEEWAY_S`."""
        if self.expires_at is None:
            return False
        return (time.time() if now is None else now) >= self.expires_at - EXPIRY_LEEWAY_S


#: Gives new tokens for the current ones; raises :class:`~sdk.errors.AccessDenied` when
#: it cannot.
TokenRefresher = Callable[[TokenSet], TokenSet]


class RefreshTokenGrant:
    """Refresh tokens at a standard OAuth 2.0 token endpoint (``grant_type=refresh_token``).

    :param token_url: the token endpoint, e.g. ``https://tanzi.example/oauth/token``.
    :param client_id: the app's client id; ``client_secret`` its secret (``None`` for a
        public client).
    :param auth_method: how the client authenticates: ``client_secret_basic`` (HTTP Basic,
        the default), ``client_secret_post`` (in the form body) or ``none``.
    :param scope: ask for this (narrower) scope; by default the grant's own.
    :param http: the ``httpx.Client`` to post with (one of its own by default).

    A refused refresh (``invalid_grant``: revoked, expired or already rotated) raises
    :class:`~sdk.errors.AccessDenied`; the app must send the merchant through consent
    again. An unreachable or failing endpoint raises :class:`~sdk.errors.ServerError`.
    """

    def __init__(
        self,
        token_url: str,
        *,
        client_id: str,
        client_secret: str | None = None,
        auth_method: Literal["client_secret_basic", "client_secret_post", "none"] = (
            "client_secret_basic"
        ),
        scope: str | None = None,
        http: httpx.Client | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self.scope = scope
        self._auth = ClientAuth(
            client_id, client_secret, auth_method if client_secret is not None else "none"
        )
        self._http = http or httpx.Client(timeout=timeout_s)

    def __call__(self, tokens: TokenSet) -> TokenSet:
        if not tokens.refresh_token:
            raise AccessDenied("The access token expired and there is no refresh token.")
        extra = {"scope": self.scope} if self.scope else {}
        body = prepare_token_request("refresh_token", refresh_token=tokens.refresh_token, **extra)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        url, headers, body = self._auth.prepare("POST", self.token_url, headers, body)
        try:
            response = self._http.post(url, content=body, headers=headers)
        except httpx.TransportError as exc:
            raise ServerError(f"The token endpoint could not be reached: {exc}") from exc
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code >= 500:
            raise ServerError(
                f"The token endpoint failed ({response.status_code}).",
                status=response.status_code,
            )
        if response.status_code != 200 or not isinstance(answer, dict) or "error" in answer:
            error = answer.get("error", "invalid_grant") if isinstance(answer, dict) else ""
            described = answer.get("error_description", "") if isinstance(answer, dict) else ""
            raise AccessDenied(
                f"The token endpoint refused the refresh: {error} {described}".strip(),
                code=str(error or "invalid_grant"),
                status=response.status_code,
            )
        return TokenSet.from_response(answer, previous=tokens)

    def close(self) -> None:
        """Close the HTTP connections of the endpoint's client."""
        self._http.close()
