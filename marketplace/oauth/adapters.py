"""authlib's views of our rows: the client, the authorization code and the two tokens.

authlib asks its models questions (``check_redirect_uri``, ``get_scope``...); these thin
wrappers answer them from the SQLModel rows, which stay plain tables in ``core.models``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin

from core.models import AccessToken, AuthorizationCode, Installation, Listing, OAuthClient
from core.models import RefreshToken as RefreshTokenRow
from marketplace.services.oauth_clients import client_secret_matches

GRANT_TYPES = frozenset({"authorization_code", "refresh_token"})


@dataclass
class Client(ClientMixin):
    """A remote app's OAuth client with the scopes its listing's live version asks for."""

    row: OAuthClient
    listing: Listing
    scopes: tuple[str, ...]

    @property
    def client_id(self) -> str:
        return self.row.client_id

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> str | None:
        uris = self.row.redirect_uris
        return uris[0] if len(uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """The requested scopes the version asked for (all of them when none requested);
        ``None``, so ``invalid_scope``, when nothing requested is allowed."""
        if not scope:
            return " ".join(self.scopes) or None
        allowed = [s for s in dict.fromkeys(scope.split()) if s in self.scopes]
        return " ".join(allowed) or None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.row.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return client_secret_matches(self.row, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.row.is_public:
            return method == "none"
        return method in {"client_secret_basic", "client_secret_post"}

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in GRANT_TYPES


@dataclass
class IssuedCode(AuthorizationCodeMixin):
    """An authorization code found by its hash."""

    row: AuthorizationCode

    @property
    def code_challenge(self) -> str:
        return self.row.code_challenge

    @property
    def code_challenge_method(self) -> str:
        return self.row.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return " ".join(self.row.scopes)


@dataclass
class IssuedToken(TokenMixin):
    """An access or refresh token found by its hash, with the raw value that found it."""

    row: AccessToken | RefreshTokenRow
    raw: str

    @property
    def is_refresh(self) -> bool:
        return isinstance(self.row, RefreshTokenRow)

    @property
    def client_id(self) -> str | None:
        return self.row.client_id

    def check_client(self, client: ClientMixin) -> bool:
        return self.row.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return " ".join(self.row.scopes)

    def get_expires_in(self) -> int:
        if self.row.expires_at is None:
            return 0
        return max(0, int((aware_utc(self.row.expires_at) - datetime.now(UTC)).total_seconds()))

    def is_expired(self) -> bool:
        expires_at = self.row.expires_at
        return expires_at is not None and aware_utc(expires_at) <= datetime.now(UTC)

    def is_revoked(self) -> bool:
        return self.row.revoked_at is not None


@dataclass(frozen=True)
class Consent:
    """Who approved the consent screen, and the installation it granted (authlib's user)."""

    account_id: int
    installation: Installation


def aware_utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
