"""Plugins that connect their shop to another Tanzi shop over OAuth (``manifest.connect``).

The host is the OAuth client on the plugin's behalf, so a plugin never handles a code, a
verifier or a client registration:

- **Registration.** Every host registers, for each loaded plugin that declares
  :class:`sdk.manifest.ConnectRequest`, a platform client ``tzp_<plugin id>``: a live
  remote listing ``<plugin id>__connect`` (kept out of the market) with one approved
  version asking for the declared scopes, and a public OAuth client (PKCE S256) whose
  redirect URIs are this host's callback and its ``connect_peers``' callbacks. The client
  id is the same on every host, so a plugin on host A reaches host B's consent screen
  when B lists A as a peer. It is made on first use, by the consent screen.
- **Round trip.** A plugin page returns :class:`sdk.models.ConnectRedirect`;
  :func:`start_connect` sends the merchant to the other host's ``/oauth/authorize`` with
  an encrypted ``state`` (plugin, shop, account, PKCE verifier, where to go back, expiry);
  :func:`connect_callback` opens it, checks it is the same person, trades the code at the
  other host's token endpoint and seals the tokens in the installation's secrets.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from cryptography.fernet import InvalidToken
from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, select

from core.api.deps import SettingsDep
from core.crypto import decrypt_secret, encrypt_secret, secret_box
from core.errors import InvalidState
from core.models import (
    Account,
    InstallationStatus,
    Listing,
    ListingStatus,
    ListingVersion,
    OAuthClient,
    VersionStatus,
)
from core.models.base import utcnow
from core.plugins.installations import get_installation
from core.plugins.manager import PluginHost
from core.services import plugin_secrets
from core.settings import Settings
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAccount
from sdk.models import ConnectRedirect
from sdk.remote import new_secret

router = web_router(tags=["oauth"])

#: The platform client of plugin ``p`` is ``tzp_p`` on every host.
CLIENT_PREFIX = "tzp_"
#: The platform clients' listings end so, and stay out of the market.
LISTING_SUFFIX = "__connect"
CALLBACK_PATH = "/oauth/connect/callback"
#: How long a merchant has to approve on the other host.
STATE_TTL_S = 900
#: The account platform clients' listings belong to (it cannot sign in: no password).
PLATFORM_EMAIL = "platform@tanzi.invalid"
TOKEN_TIMEOUT_S = 15.0


def platform_client_id(plugin_id: str) -> str:
    """The OAuth client id of ``plugin_id``'s connections, the same on every host."""
    return f"{CLIENT_PREFIX}{plugin_id}"


def callback_uris(settings: Settings) -> list[str]:
    """This host's callback and its peers' (their plugins may connect to shops here)."""
    roots = [settings.base_url, *settings.connect_peers]
    return list(dict.fromkeys(root.rstrip("/") + CALLBACK_PATH for root in roots))


def _platform_account(session: Session) -> Account:
    account = session.exec(select(Account).where(Account.email == PLATFORM_EMAIL)).first()
    if account is None:
        account = Account(email=PLATFORM_EMAIL, name="Tanzi")
        session.add(account)
        session.flush()
    return account


def ensure_platform_client(
    session: Session, *, host: PluginHost, settings: Settings, client_id: str
) -> bool:
    """Register (or bring up to date) the platform client ``client_id`` when it names a
    loaded plugin that declares ``connect``; ``False`` otherwise. The caller commits."""
    if not client_id.startswith(CLIENT_PREFIX):
        return False
    plugin = host.active.get(client_id.removeprefix(CLIENT_PREFIX))
    if plugin is None or plugin.manifest is None or plugin.manifest.connect is None:
        return False
    manifest = plugin.manifest
    assert manifest.connect is not None
    scopes = [{"scope": r.scope.value, "reason": r.reason} for r in manifest.connect.scopes]
    uris = callback_uris(settings)
    slug = f"{manifest.id}{LISTING_SUFFIX}"
    listing = session.exec(select(Listing).where(Listing.slug == slug)).first()
    if listing is None:
        listing = Listing(
            slug=slug,
            provider_id=_platform_account(session).id or 0,
            name=manifest.name[:80],
            summary=f"The connection {manifest.name} makes between two of your shops."[:200],
            category=manifest.category.value,
            status=ListingStatus.live,
        )
        session.add(listing)
        session.flush()
    version = session.exec(
        select(ListingVersion).where(
            ListingVersion.listing_id == listing.id, ListingVersion.version == manifest.version
        )
    ).first()
    if version is None:
        version = ListingVersion(
            listing_id=listing.id or 0,
            version=manifest.version,
            kind="remote",
            status=VersionStatus.approved,
            reviewed_at=utcnow(),
        )
    version.scopes, version.redirect_uris = scopes, uris
    session.add(version)
    session.flush()
    listing.live_version_id, listing.status = version.id, ListingStatus.live
    session.add(listing)
    client = session.exec(select(OAuthClient).where(OAuthClient.client_id == client_id)).first()
    if client is None:
        client = OAuthClient(
            client_id=client_id,
            listing_id=listing.id or 0,
            is_public=True,
            webhook_secret=encrypt_secret(settings.secret_key, new_secret()),
        )
    client.redirect_uris = uris
    session.add(client)
    session.flush()
    return True


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _root(base_url: str) -> str:
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("the other shop's address must be an http(s) URL")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def start_connect(
    *,
    settings: Settings,
    host: PluginHost,
    plugin_id: str,
    shop_id: int,
    account_id: int,
    redirect: ConnectRedirect,
    app_base: str,
) -> Response:
    """Send the merchant to the other host's consent screen for ``plugin_id``."""
    plugin = host.active.get(plugin_id)
    connect = plugin.manifest.connect if plugin and plugin.manifest else None
    back = f"{app_base}{redirect.return_path}"
    if connect is None:
        return RedirectResponse(f"{back}?connect_error=not_declared", status_code=303)
    try:
        root = _root(redirect.base_url or settings.base_url)
    except ValueError:
        return RedirectResponse(f"{back}?connect_error=bad_address", status_code=303)
    verifier, challenge = _pkce()
    state = encrypt_secret(
        settings.secret_key,
        json.dumps(
            {
                "p": plugin_id,
                "s": shop_id,
                "a": account_id,
                "v": verifier,
                "r": root,
                "n": redirect.secret,
                "b": back,
                "e": int(time.time()) + STATE_TTL_S,
            }
        ),
    )
    query = urlencode(
        {
            "response_type": "code",
            "client_id": platform_client_id(plugin_id),
            "redirect_uri": callback_uris(settings)[0],
            "scope": " ".join(r.scope.value for r in connect.scopes),
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    return RedirectResponse(f"{root}/oauth/authorize?{query}", status_code=303)


def _open_state(settings: Settings, state: str) -> dict[str, Any] | None:
    try:
        data = json.loads(decrypt_secret(settings.secret_key, state))
    except (InvalidState, InvalidToken, ValueError):  # forged, or sealed with another key
        return None
    return data if isinstance(data, dict) and data.get("e", 0) >= time.time() else None


def _trade(settings: Settings, data: dict[str, Any], code: str) -> dict[str, Any]:
    """The other host's token answer for ``code`` (raises ``ValueError`` when refused)."""
    token_url = f"{data['r']}/oauth/token"
    answer = httpx.post(
        token_url,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": callback_uris(settings)[0],
            "client_id": platform_client_id(str(data["p"])),
            "code_verifier": data["v"],
        },
        headers={"Accept": "application/json"},
        timeout=TOKEN_TIMEOUT_S,
    )
    body = (
        answer.json()
        if answer.headers.get("content-type", "").startswith("application/json")
        else {}
    )
    if answer.status_code != 200 or not body.get("access_token"):
        raise ValueError(str(body.get("error") or f"token endpoint answered {answer.status_code}"))
    expires_in = body.get("expires_in")
    return {
        "access_token": body["access_token"],
        "refresh_token": body.get("refresh_token"),
        "expires_at": time.time() + float(expires_in) if expires_in else None,
        "scope": body.get("scope"),
        "client_id": platform_client_id(str(data["p"])),
        "token_url": token_url,
        "base_url": data["r"],
        "shop_id": body.get("shop_id"),
    }


@router.get(CALLBACK_PATH)
def connect_callback(request: Request, account: RequireAccount, settings: SettingsDep) -> Response:
    """Back from the other host's consent screen: trade the code, seal the tokens in the
    installation's secrets, return to the plugin's page.

    No write transaction is open while the code is traded: the other host may be this one,
    and on SQLite its token endpoint would wait for this request's lock."""
    data = _open_state(settings, request.query_params.get("state", ""))
    if data is None or data.get("a") != account.id:
        return RedirectResponse("/console?connect_error=expired", status_code=303)
    back = str(data["b"])
    code = request.query_params.get("code", "")
    if not code:
        reason = request.query_params.get("error", "denied")
        return RedirectResponse(f"{back}?{urlencode({'connect_error': reason})}", status_code=303)
    try:
        tokens = _trade(settings, data, code)
    except (ValueError, httpx.HTTPError) as exc:
        reason = str(exc)[:100] or type(exc).__name__
        return RedirectResponse(f"{back}?{urlencode({'connect_error': reason})}", status_code=303)
    with Session(request.app.state.runtime.engine) as session:
        installation = get_installation(session, shop_id=int(data["s"]), plugin_id=str(data["p"]))
        if installation is None or installation.status != InstallationStatus.enabled:
            return RedirectResponse(f"{back}?connect_error=not_installed", status_code=303)
        plugin_secrets.put_secret(
            session,
            secret_box(settings),
            installation_id=installation.id or 0,
            shop_id=installation.shop_id,
            name=str(data["n"]),
            value=json.dumps(tokens),
        )
        session.commit()
    return RedirectResponse(f"{back}?connected=1", status_code=303)
