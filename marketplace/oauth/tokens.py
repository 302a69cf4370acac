"""Issue, rotate and revoke the tokens of one installation's grant.

Lifetimes: access tokens live :data:`ACCESS_TOKEN_TTL` (1 hour), refresh tokens
:data:`REFRESH_TOKEN_TTL` (30 days), authorization codes :data:`CODE_TTL` (10 minutes).
Every token is opaque and stored as a SHA-256 hash (``core.security``). The tokens of one
installation and client form a *family*: revoking a refresh token, replaying a rotated
refresh token or a used code revokes the whole family.

Claims (using a code, rotating a refresh token) are single conditional ``UPDATE``s, so two
racing requests cannot both win.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from core.models import AccessToken, AuthorizationCode, Installation, RefreshToken
from core.models.base import utcnow
from core.security import new_token, token_hash

ACCESS_TOKEN_TTL = timedelta(hours=1)
REFRESH_TOKEN_TTL = timedelta(days=30)
CODE_TTL = timedelta(minutes=10)
ACCESS_TOKEN_PREFIX = "tz_oat"
REFRESH_TOKEN_PREFIX = "tz_ort"


def new_access_token(**_: Any) -> str:
    """A fresh opaque access token (authlib's token generator signature)."""
    return new_token(ACCESS_TOKEN_PREFIX)


def new_refresh_token(**_: Any) -> str:
    """A fresh opaque refresh token (authlib's token generator signature)."""
    return new_token(REFRESH_TOKEN_PREFIX)


def store_token_pair(
    session: Session, *, token: dict[str, Any], installation: Installation, client_id: str
) -> None:
    """Store the hashes of a token response's access (and refresh) token, bound to the
    installation; adds ``shop_id`` and ``installation_id`` to the response."""
    assert installation.id is not None
    now = utcnow()
    scopes = str(token.get("scope") or "").split()
    access = AccessToken(
        token_hash=token_hash(token["access_token"]),
        kind="oauth",
        name=f"oauth:{client_id}"[:100],
        scopes=scopes,
        shop_id=installation.shop_id,
        installation_id=installation.id,
        client_id=client_id,
        expires_at=now + ACCESS_TOKEN_TTL,
    )
    session.add(access)
    session.flush()
    if token.get("refresh_token"):
        session.add(
            RefreshToken(
                token_hash=token_hash(token["refresh_token"]),
                client_id=client_id,
                installation_id=installation.id,
                shop_id=installation.shop_id,
                scopes=scopes,
                follows_grant=set(scopes) == set(installation.granted_scopes),
                access_token_id=access.id,
                expires_at=now + REFRESH_TOKEN_TTL,
            )
        )
    session.flush()
    token["shop_id"] = installation.shop_id
    token["installation_id"] = installation.id


def claim_code(session: Session, *, code: AuthorizationCode) -> bool:
    """Mark the code used; ``False`` when another request used it first."""
    result = session.exec(
        update(AuthorizationCode)
        .where(col(AuthorizationCode.id) == code.id, col(AuthorizationCode.used_at).is_(None))
        .values(used_at=utcnow())
    )
    return bool(result.rowcount)


def claim_refresh_token(session: Session, *, refresh: RefreshToken) -> bool:
    """Revoke the refresh token being rotated; ``False`` when it was already revoked."""
    result = session.exec(
        update(RefreshToken)
        .where(col(RefreshToken.id) == refresh.id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )
    return bool(result.rowcount)


def revoke_family(session: Session, *, installation_id: int, client_id: str) -> None:
    """Revoke every live access and refresh token of the installation's grant to the client."""
    now = utcnow()
    session.exec(
        update(RefreshToken)
        .where(
            col(RefreshToken.installation_id) == installation_id,
            col(RefreshToken.client_id) == client_id,
            col(RefreshToken.revoked_at).is_(None),
        )
        .values(revoked_at=now)
    )
    session.exec(
        update(AccessToken)
        .where(
            col(AccessToken.installation_id) == installation_id,
            col(AccessToken.client_id) == client_id,
            col(AccessToken.revoked_at).is_(None),
        )
        .values(revoked_at=now)
    )


def end_installation_tokens(session: Session, *, installation_id: int) -> None:
    """End every token family of the installation, whatever the client, for good: live
    access and refresh tokens are revoked and unused codes spent. A reinstall after a
    removal calls this, so it starts with new tokens only."""
    now = utcnow()
    session.exec(
        update(RefreshToken)
        .where(
            col(RefreshToken.installation_id) == installation_id,
            col(RefreshToken.revoked_at).is_(None),
        )
        .values(revoked_at=now)
    )
    session.exec(
        update(AccessToken)
        .where(
            col(AccessToken.installation_id) == installation_id,
            col(AccessToken.revoked_at).is_(None),
        )
        .values(revoked_at=now)
    )
    session.exec(
        update(AuthorizationCode)
        .where(
            col(AuthorizationCode.installation_id) == installation_id,
            col(AuthorizationCode.used_at).is_(None),
        )
        .values(used_at=now)
    )


def revoke_access_token(session: Session, *, access: AccessToken) -> None:
    """Revoke one access token (its refresh token keeps working)."""
    session.exec(
        update(AccessToken)
        .where(col(AccessToken.id) == access.id, col(AccessToken.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )


def find_token(
    session: Session, *, raw: str, hint: str | None
) -> AccessToken | RefreshToken | None:
    """The OAuth access or refresh token ``raw`` (looked up by hash, hinted kind first)."""
    digest = token_hash(raw)
    order: list[type[AccessToken] | type[RefreshToken]] = [AccessToken, RefreshToken]
    if hint == "refresh_token":
        order.reverse()
    for model in order:
        statement = select(model).where(model.token_hash == digest)
        if model is AccessToken:
            statement = statement.where(AccessToken.kind == "oauth")
        row = session.exec(statement).first()
        if isinstance(row, AccessToken | RefreshToken):
            return row
    return None
