"""Register a remote app's OAuth client when the provider's remote version is approved.

The client id is public; the client secret and the webhook signing secret are shown to the
provider once, here. The client secret is stored as a SHA-256 hash (it is long and random,
so a slow hash adds nothing); the webhook secret is stored encrypted (``core.crypto``)
because Tanzi signs webhooks with it and copies it into each installation.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from sqlmodel import Session, select

from core.crypto import decrypt_secret, encrypt_secret
from core.errors import InvalidInput
from core.models import Listing, OAuthClient
from core.security import new_token, token_hash
from core.settings import Settings

CLIENT_ID_PREFIX = "tzc"
CLIENT_SECRET_PREFIX = "tz_cs"
WEBHOOK_SECRET_PREFIX = "whsec"


def register_oauth_client(
    session: Session,
    *,
    settings: Settings,
    listing: Listing,
    redirect_uris: list[str],
    public: bool | None = None,
) -> tuple[str, str | None, str]:
    """The listing's OAuth client, created on first call: ``(client_id, client_secret,
    webhook_secret)``.

    ``public=None`` means confidential for a new client and unchanged for an existing one.
    ``client_secret`` is ``None`` for a public client (it must use PKCE with S256) and when
    the listing already had a client: then only its redirect URIs are replaced and the
    secret shown at creation stays valid, unless ``public`` turns a public client
    confidential (a new secret, returned). Redirect URIs are matched exactly; each must be
    an absolute ``https`` URL, or ``http`` on a loopback host.
    """
    uris = _checked_redirect_uris(redirect_uris)
    assert listing.id is not None
    client = session.exec(select(OAuthClient).where(OAuthClient.listing_id == listing.id)).first()
    if client is not None:
        client.redirect_uris = uris
        new_secret = None
        if public is not None and public != client.is_public:
            new_secret = None if public else new_token(CLIENT_SECRET_PREFIX)
            client.is_public = public
            client.client_secret_hash = token_hash(new_secret) if new_secret else ""
        session.add(client)
        session.flush()
        webhook_secret = decrypt_secret(settings.secret_key, client.webhook_secret)
        return client.client_id, new_secret, webhook_secret
    client_secret = None if public else new_token(CLIENT_SECRET_PREFIX)
    public = bool(public)
    webhook_secret = new_token(WEBHOOK_SECRET_PREFIX)
    client = OAuthClient(
        client_id=f"{CLIENT_ID_PREFIX}_{secrets.token_urlsafe(18)}",
        client_secret_hash=token_hash(client_secret) if client_secret else "",
        listing_id=listing.id,
        redirect_uris=uris,
        is_public=public,
        webhook_secret=encrypt_secret(settings.secret_key, webhook_secret),
    )
    session.add(client)
    session.flush()
    return client.client_id, client_secret, webhook_secret


def client_secret_matches(client: OAuthClient, client_secret: str) -> bool:
    """Whether ``client_secret`` is this confidential client's secret (constant time)."""
    if client.is_public or not client.client_secret_hash:
        return False
    return hmac.compare_digest(client.client_secret_hash, token_hash(client_secret))


def _checked_redirect_uris(redirect_uris: list[str]) -> list[str]:
    if not redirect_uris:
        raise InvalidInput("A remote app needs at least one redirect URI.", field="redirect_uris")
    checked: list[str] = []
    for index, uri in enumerate(redirect_uris):
        parts = urlsplit(uri)
        loopback = parts.hostname in {"localhost", "127.0.0.1", "::1"}
        if (
            parts.fragment
            or not parts.hostname
            or not (parts.scheme == "https" or (parts.scheme == "http" and loopback))
        ):
            raise InvalidInput(
                "A redirect URI is an absolute https URL (http only on localhost), "
                "without a fragment.",
                field=f"redirect_uris.{index}",
            )
        if uri not in checked:
            checked.append(uri)
    return checked
