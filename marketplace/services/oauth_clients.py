"""Register a remote app's OAuth client when the provider's remote version is approved,
and rotate its webhook signing secret.

The client id is public; the client secret and the webhook signing secret are shown to the
provider once, here. The client secret is stored as a SHA-256 hash (it is long and random,
so a slow hash adds nothing); the webhook secret is stored encrypted (``core.crypto``)
because Tanzi signs webhooks with it and copies it into each installation.

Webhook secrets follow the Standard Webhooks specification: ``whsec_`` and the base64 of
32 random bytes. Secrets issued before (``whsec_`` and a URL-safe token) stay as stored and
keep signing with the same key; the provider is shown their standard spelling
(``sdk.remote.standard_secret``), which the specification's libraries accept.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlmodel import Session, select

from core.crypto import decrypt_secret, encrypt_secret
from core.errors import InvalidInput, InvalidState
from core.models import Installation, Listing, OAuthClient
from core.models.base import utcnow
from core.security import new_token, token_hash
from core.settings import Settings
from sdk.remote import new_secret, standard_secret

CLIENT_ID_PREFIX = "tzc"
CLIENT_SECRET_PREFIX = "tz_cs"
#: How long deliveries still carry the replaced secret's signature after a rotation.
WEBHOOK_SECRET_OVERLAP = timedelta(hours=24)


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
        client_secret = None
        if public is not None and public != client.is_public:
            client_secret = None if public else new_token(CLIENT_SECRET_PREFIX)
            client.is_public = public
            client.client_secret_hash = token_hash(client_secret) if client_secret else ""
        session.add(client)
        session.flush()
        webhook_secret = standard_secret(decrypt_secret(settings.secret_key, client.webhook_secret))
        return client.client_id, client_secret, webhook_secret
    client_secret = None if public else new_token(CLIENT_SECRET_PREFIX)
    public = bool(public)
    webhook_secret = new_secret()
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


def rotate_webhook_secret(
    session: Session,
    *,
    settings: Settings,
    listing: Listing,
    overlap: timedelta = WEBHOOK_SECRET_OVERLAP,
    now: datetime | None = None,
) -> tuple[str, datetime]:
    """A new webhook signing secret for the listing's app: ``(secret, old_secret_until)``.

    From now on every delivery is signed with the new secret and, until
    ``old_secret_until`` (``overlap`` from now), also with the one it replaces: both
    signatures travel space-separated in ``webhook-signature``, so the app verifies with
    either while it switches. Rotating again inside the overlap drops the oldest secret.
    Every remote installation of the listing moves to the new secret with its client.

    :raises InvalidState: before a remote version of the listing was approved.
    """
    client = session.exec(select(OAuthClient).where(OAuthClient.listing_id == listing.id)).first()
    if client is None:
        raise InvalidState(
            "The OAuth client is made when a remote version is approved.", code="no_client"
        )
    secret = new_secret()
    until = (now or utcnow()) + overlap
    client.previous_webhook_secret = client.webhook_secret
    client.previous_webhook_secret_until = until
    client.webhook_secret = encrypt_secret(settings.secret_key, secret)
    session.add(client)
    installations = session.exec(
        select(Installation).where(
            Installation.listing_id == listing.id, Installation.kind == "remote"
        )
    )
    for installation in installations:
        installation.webhook_secret = client.webhook_secret
        session.add(installation)
    session.flush()
    return secret, until


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
