"""The authorization server: authlib's ``AuthorizationServer`` on FastAPI, with our grants.

authlib has no FastAPI integration, so :class:`TanziAuthorizationServer` supplies the two
framework methods it needs: ``create_oauth2_request`` (our routes read the form first,
asynchronously, and hand over an :class:`OAuthRequest`) and ``handle_response`` (a
Starlette response). authlib is synchronous; routes run it in a worker thread with a
server built per request around that request's session.

Grants: authorization code with PKCE (S256 only; required for public clients) and refresh
tokens that rotate. Endpoints: revocation (RFC 7009) and introspection (RFC 7662).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import (
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Payload,
    OAuth2Request,
)
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant, RefreshTokenGrant
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from fastapi import Response
from fastapi.responses import RedirectResponse
from sqlmodel import Session, select

from core.auth import principal_from_token
from core.errors import TanziError
from core.models import (
    AuthorizationCode,
    Installation,
    InstallationStatus,
    Listing,
    ListingStatus,
    ListingVersion,
    OAuthClient,
    RefreshToken,
    Shop,
)
from core.models.base import utcnow
from core.security import token_hash
from core.settings import Settings
from marketplace.oauth.adapters import Client, Consent, IssuedCode, IssuedToken, aware_utc
from marketplace.oauth.tokens import (
    ACCESS_TOKEN_TTL,
    CODE_TTL,
    claim_code,
    claim_refresh_token,
    find_token,
    new_access_token,
    new_refresh_token,
    revoke_access_token,
    revoke_family,
    store_token_pair,
)
from marketplace.services.grants import version_scopes
from sdk.scopes import Scope

#: How a client may authenticate at the token and revocation endpoints; "none" is for
#: public clients, which must then prove PKCE.
TOKEN_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
#: Introspection is for confidential clients only.
INTROSPECTION_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


class _Payload(OAuth2Payload):
    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in pairs:
            self._datalist[key].append(value)
        self._data = {key: values[0] for key, values in self._datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class OAuthRequest(OAuth2Request):
    """An HTTP request as authlib sees it, from values a route has already read.

    ``pairs`` are the query parameters for ``GET /oauth/authorize`` and the form fields for
    every ``POST``; raises authlib's ``InsecureTransportError`` for a plain-http URL that
    is not on a loopback host.
    """

    def __init__(
        self,
        method: str,
        uri: str,
        headers: Mapping[str, str],
        pairs: Iterable[tuple[str, str]],
    ) -> None:
        super().__init__(method=method, uri=uri, headers=headers)
        self.payload = _Payload(list(pairs))

    @property
    def args(self) -> dict[str, str]:
        return self.payload.data

    @property
    def form(self) -> dict[str, str]:
        return self.payload.data


class S256CodeChallenge(CodeChallenge):
    """PKCE with S256 only: required of public clients, allowed for confidential ones."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        super().validate_code_challenge(grant, redirect_uri)
        data = grant.request.payload.data
        client: Client = grant.request.client
        if data.get("code_challenge"):
            if data.get("code_challenge_method") != "S256":
                raise InvalidRequestError("Send 'code_challenge_method=S256'.")
        elif client.row.is_public:
            raise InvalidRequestError("A public client must send a PKCE 'code_challenge' (S256).")


class InstallCodeGrant(AuthorizationCodeGrant):
    """The authorization code grant: the consent screen's approval, traded for tokens."""

    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_AUTH_METHODS
    AUTHORIZATION_CODE_LENGTH = 48

    @property
    def session(self) -> Session:
        return self.server.session

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        consent: Consent = request.user
        data = request.payload.data
        installation = consent.installation
        assert installation.id is not None
        now = utcnow()
        self.session.add(
            AuthorizationCode(
                code_hash=token_hash(code),
                client_id=request.client.get_client_id(),
                account_id=consent.account_id,
                shop_id=installation.shop_id,
                installation_id=installation.id,
                redirect_uri=request.payload.redirect_uri or "",
                scopes=str(request.scope or "").split(),
                code_challenge=data.get("code_challenge", ""),
                code_challenge_method=data.get("code_challenge_method", "")
                if data.get("code_challenge")
                else "",
                expires_at=now + CODE_TTL,
                created_at=now,
            )
        )
        self.session.flush()

    def query_authorization_code(self, code: str, client: Client) -> IssuedCode | None:
        row = self.session.exec(
            select(AuthorizationCode).where(
                AuthorizationCode.code_hash == token_hash(code),
                AuthorizationCode.client_id == client.get_client_id(),
            )
        ).first()
        if row is None:
            return None
        if row.used_at is not None:
            # RFC 6749 4.1.2: a replayed code revokes what it was traded for
            revoke_family(
                self.session, installation_id=row.installation_id, client_id=row.client_id
            )
            return None
        if aware_utc(row.expires_at) <= utcnow():
            return None
        return IssuedCode(row)

    def delete_authorization_code(self, authorization_code: IssuedCode) -> None:
        """Nothing left to do: :meth:`save_token` claimed the code before storing tokens."""

    def authenticate_user(self, authorization_code: IssuedCode) -> Installation | None:
        return _usable_installation(self.session, authorization_code.row.installation_id)

    def save_token(self, token: dict[str, Any]) -> None:
        code: IssuedCode = self.request.authorization_code
        if not claim_code(self.session, code=code.row):
            raise InvalidGrantError("The authorization code was already used.")
        store_token_pair(
            self.session,
            token=token,
            installation=self.request.user,
            client_id=self.request.client.get_client_id(),
        )


class RotatingRefreshTokenGrant(RefreshTokenGrant):
    """The refresh token grant; each use revokes the old refresh token and issues a new one.

    Presenting a refresh token that was already rotated (or revoked) revokes the whole
    family: someone holds a copy.
    """

    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    @property
    def session(self) -> Session:
        return self.server.session

    def authenticate_refresh_token(self, refresh_token: str) -> IssuedToken | None:
        row = self.session.exec(
            select(RefreshToken).where(RefreshToken.token_hash == token_hash(refresh_token))
        ).first()
        if row is None:
            return None
        token = IssuedToken(row, refresh_token)
        if token.is_revoked():
            revoke_family(
                self.session, installation_id=row.installation_id, client_id=row.client_id
            )
            return None
        if token.is_expired():
            return None
        return token

    def authenticate_user(self, refresh_token: IssuedToken) -> Installation | None:
        assert isinstance(refresh_token.row, RefreshToken)
        return _usable_installation(self.session, refresh_token.row.installation_id)

    def issue_token(self, user: Installation, refresh_token: IssuedToken) -> dict[str, Any]:
        """Tokens for the requested scopes (or the old ones) narrowed to what the
        installation is granted now. A refresh token issued for the whole grant follows the
        grant: with no ``scope`` requested it gets the grant as it stands, so a refresh after
        the merchant approved more scopes carries them (RFC 6749 section 6: the scope the
        resource owner granted); one the client narrowed stays within its own scopes.
        Asking again for exactly the token's scopes (as OAuth client libraries do) is not a
        narrowing."""
        row = refresh_token.row
        assert isinstance(row, RefreshToken)
        wanted = (self.request.payload.scope or refresh_token.get_scope()).split()
        if row.follows_grant and set(wanted) == set(row.scopes):
            scopes = sorted(user.granted_scopes)
        else:
            scopes = [s for s in wanted if s in user.granted_scopes]
        if not scopes:
            raise InvalidScopeError("The installation no longer grants these scopes.")
        return self.generate_token(user=user, scope=" ".join(scopes), include_refresh_token=True)

    def save_token(self, token: dict[str, Any]) -> None:
        old: IssuedToken = self.request.refresh_token
        assert isinstance(old.row, RefreshToken)
        if not claim_refresh_token(self.session, refresh=old.row):
            revoke_family(
                self.session, installation_id=old.row.installation_id, client_id=old.row.client_id
            )
            raise InvalidGrantError("The refresh token was already used.")
        store_token_pair(
            self.session,
            token=token,
            installation=self.request.user,
            client_id=self.request.client.get_client_id(),
        )

    def revoke_old_credential(self, refresh_token: IssuedToken) -> None:
        """Nothing left to do: :meth:`save_token` revoked it before storing the new pair."""


class TokenRevocation(RevocationEndpoint):
    """RFC 7009. Revoking an access token revokes it alone; revoking a refresh token
    revokes every token of its grant."""

    CLIENT_AUTH_METHODS = TOKEN_AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> IssuedToken | None:
        row = find_token(self.server.session, raw=token_string, hint=token_type_hint)
        return IssuedToken(row, token_string) if row is not None else None

    def revoke_token(self, token: IssuedToken, request: OAuth2Request) -> None:
        session: Session = self.server.session
        if isinstance(token.row, RefreshToken):
            revoke_family(
                session, installation_id=token.row.installation_id, client_id=token.row.client_id
            )
        else:
            revoke_access_token(session, access=token.row)


class TokenIntrospection(IntrospectionEndpoint):
    """RFC 7662, for confidential clients about their own tokens. An access token is active
    exactly when the API would accept it (same guard: installation, shop, listing,
    subscription); ``scope`` is what it may do now, within the installation's current grant."""

    CLIENT_AUTH_METHODS = INTROSPECTION_AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> IssuedToken | None:
        row = find_token(self.server.session, raw=token_string, hint=token_type_hint)
        return IssuedToken(row, token_string) if row is not None else None

    def check_permission(self, token: IssuedToken, client: Client, request: Any) -> bool:
        return token.check_client(client)

    def introspect_token(self, token: IssuedToken) -> dict[str, Any]:
        session: Session = self.server.session
        row = token.row
        if isinstance(row, RefreshToken):
            if _usable_installation(session, row.installation_id) is None:
                return {"active": False}
            token_type = "refresh_token"
            installation = session.get(Installation, row.installation_id)
            granted = set(installation.granted_scopes) if installation is not None else set()
            scope = " ".join(s for s in row.scopes if s in granted)
        else:
            try:
                principal = principal_from_token(session, token.raw)
            except TanziError:
                return {"active": False}
            token_type = "Bearer"
            scope = " ".join(s for s in row.scopes if s in (principal.scopes or ()))
        assert row.expires_at is not None
        return {
            "active": True,
            "scope": scope,
            "client_id": row.client_id,
            "token_type": token_type,
            "exp": int(aware_utc(row.expires_at).timestamp()),
            "iat": int(aware_utc(row.created_at).timestamp()),
            "sub": f"installation:{row.installation_id}",
            "iss": self.server.issuer,
            "shop_id": row.shop_id,
            "installation_id": row.installation_id,
        }


class TanziAuthorizationServer(AuthorizationServer):
    """authlib's server bound to one request's session and the host's settings."""

    def __init__(self, session: Session, settings: Settings) -> None:
        super().__init__(scopes_supported=[scope.value for scope in Scope])
        self.session = session
        self.settings = settings
        self.register_token_generator(
            "default",
            BearerTokenGenerator(
                new_access_token,
                new_refresh_token,
                int(ACCESS_TOKEN_TTL / timedelta(seconds=1)),
            ),
        )
        self.register_grant(InstallCodeGrant, [S256CodeChallenge(required=True)])
        self.register_grant(RotatingRefreshTokenGrant)
        self.register_endpoint(TokenRevocation)
        self.register_endpoint(TokenIntrospection)

    @property
    def issuer(self) -> str:
        return self.settings.base_url.rstrip("/")

    def query_client(self, client_id: str) -> Client | None:
        """The client of a live listing (a suspended listing's client cannot act)."""
        found = self.session.exec(
            select(OAuthClient, Listing)
            .join(Listing, Listing.id == OAuthClient.listing_id)  # type: ignore[arg-type]
            .where(OAuthClient.client_id == client_id)
        ).first()
        if found is None or found[1].status != ListingStatus.live:
            return None
        row, listing = found
        version = (
            self.session.get(ListingVersion, listing.live_version_id)
            if listing.live_version_id is not None
            else None
        )
        scopes = tuple(version_scopes(version)) if version is not None else ()
        return Client(row=row, listing=listing, scopes=scopes)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        raise NotImplementedError("each grant stores its own tokens")  # pragma: no cover

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        if not isinstance(request, OAuth2Request):
            raise TypeError("routes pass an OAuthRequest")
        return request

    def handle_response(
        self, status: int, body: Any, headers: Iterable[tuple[str, str]]
    ) -> Response:
        header_map = dict(headers)
        if status == 302 and "Location" in header_map:
            return RedirectResponse(header_map["Location"], status_code=302)
        content = json.dumps(body) if isinstance(body, dict) else (body or "")
        return Response(content=content, status_code=status, headers=header_map)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """authlib's signals (client authenticated, token revoked): nobody listens yet."""


def _usable_installation(session: Session, installation_id: int) -> Installation | None:
    """The installation if its tokens may still be issued: enabled, or removed but still
    inside its cleanup window, in a shop that is not suspended."""
    row = session.get(Installation, installation_id)
    if row is None:
        return None
    shop = session.get(Shop, row.shop_id)
    if shop is None or shop.suspended_at is not None:
        return None
    if row.status == InstallationStatus.enabled:
        return row
    if row.status == InstallationStatus.removed and row.cleanup_until is not None:
        return row if aware_utc(row.cleanup_until) > utcnow() else None
    return None
