"""The consent screen: a signed-in person grants a service to one of their shops.

One template serves both kinds of service. A remote app arrives through
``GET /oauth/authorize`` (authorization code flow; approving redirects back to the app with
a code, denying with ``error=access_denied``); an in-process plugin through
``GET /market/{slug}/install`` (approving enables it and opens its page in the console).
Both forms are CSRF-protected; only shops where the person is owner or holds the
``marketplace`` permission are offered.
"""

from __future__ import annotations

from typing import Any

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InsecureTransportError
from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from sqlmodel import Session, col, select

from core.api.deps import ReadSessionDep, SessionDep, SettingsDep
from core.errors import InvalidInput, InvalidState, NotFound
from core.models import Account, Listing, ListingStatus, ListingVersion
from core.services.guarantee import certified_shop_ids
from marketplace.oauth.adapters import Client, Consent
from marketplace.oauth.plugin_connect import CLIENT_PREFIX, ensure_platform_client
from marketplace.oauth.routes import read_oauth_request
from marketplace.oauth.server import OAuthRequest, TanziAuthorizationServer
from marketplace.services.grants import grant_installation, installable_shops, version_scopes
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAccount
from marketplace.web.templating import gettext_for, render
from sdk.scopes import SCOPES

router = web_router(tags=["consent"])

#: Each scope's plain words for the consent screen, by scope string.
PLAIN_WORDS: dict[str, str] = {scope.value: words for scope, words in SCOPES.items()}

#: The authorization request's parameters, carried through the consent form.
OAUTH_FIELDS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)


def console_app_path(shop_id: int, slug: str) -> str:
    """Where an installed service lives in the merchant console."""
    return f"/console/shops/{shop_id}/apps/{slug}"


@router.get("/oauth/authorize")
async def authorize_page(
    request: Request, account: RequireAccount, session: ReadSessionDep, settings: SettingsDep
) -> Response:
    """The consent screen for a remote app's authorization request."""
    oauth_request = await _oauth_request(request)
    if isinstance(oauth_request, Response):
        return oauth_request
    await run_in_threadpool(_ensure_platform_client, request, oauth_request)

    def run() -> Response:
        server = TanziAuthorizationServer(session, settings)
        try:
            grant = server.get_consent_grant(oauth_request, end_user=account)
        except OAuth2Error as error:
            return _oauth_error(request, server, oauth_request, error)
        client: Client = grant.request.client
        hidden = [(k, v) for k in OAUTH_FIELDS if (v := oauth_request.payload.data.get(k))]
        context = _consent_context(
            session,
            account=account,
            listing=client.listing,
            version=_live_version(session, client.listing),
            scopes=str(grant.request.scope).split(),
            action="/oauth/authorize",
            hidden=hidden,
        )
        session.commit()
        return render(request, "oauth/consent.html", context)

    return await run_in_threadpool(run)


@router.post("/oauth/authorize")
async def authorize(
    request: Request, account: RequireAccount, session: SessionDep, settings: SettingsDep
) -> Response:
    """Approve (install in the chosen shop, redirect with a code) or deny."""
    oauth_request = await _oauth_request(request)
    if isinstance(oauth_request, Response):
        return oauth_request
    form = oauth_request.payload.data
    approved = form.get("decision") == "approve"
    shop_id = _shop_id(form.get("shop_id")) if approved else None

    def run() -> Response:
        server = TanziAuthorizationServer(session, settings)
        try:
            grant = server.get_consent_grant(oauth_request, end_user=account)
        except OAuth2Error as error:
            return _oauth_error(request, server, oauth_request, error)
        consent = None
        if approved:
            assert shop_id is not None
            client: Client = grant.request.client
            installation = grant_installation(
                session,
                host=request.app.state.plugins,
                settings=settings,
                account=account,
                shop_id=shop_id,
                listing=client.listing,
                version=_live_version(session, client.listing),
                scopes=str(grant.request.scope).split(),
            )
            assert account.id is not None
            consent = Consent(account_id=account.id, installation=installation)
        response = server.create_authorization_response(
            oauth_request, grant_user=consent, grant=grant
        )
        session.commit()
        return response

    return await run_in_threadpool(run)


@router.get("/market/{slug}/install")
def install_page(
    slug: str, request: Request, account: RequireAccount, session: ReadSessionDep
) -> Response:
    """The consent screen for an in-process plugin (it only reads)."""
    listing, version, provider_name = _plugin_listing(session, slug)
    context = _consent_context(
        session,
        account=account,
        listing=listing,
        version=version,
        scopes=version_scopes(version),
        action=f"/market/{listing.slug}/install",
        hidden=[],
        provider_name=provider_name,
    )
    session.commit()
    return render(request, "oauth/consent.html", context)


@router.post("/market/{slug}/install")
async def install(
    slug: str,
    request: Request,
    account: RequireAccount,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Approve: enable the plugin in the chosen shop with the scopes shown, then open its
    page in the console. Deny: back to the listing."""
    form = await request.form()
    if form.get("decision") != "approve":
        return RedirectResponse(f"/market/{slug}", status_code=303)
    shop_id = _shop_id(form.get("shop_id"))

    def run() -> Response:
        listing, version, provider_name = _plugin_listing(session, slug)
        try:
            grant_installation(
                session,
                host=request.app.state.plugins,
                settings=settings,
                account=account,
                shop_id=shop_id,
                listing=listing,
                version=version,
                scopes=version_scopes(version),
            )
        except InvalidState as refused:
            if refused.code != "guarantee_required":
                raise
            session.rollback()
            return _guarantee_refusal(request, session, account, listing, version, provider_name)
        session.commit()
        return RedirectResponse(console_app_path(shop_id, listing.slug), status_code=303)

    return await run_in_threadpool(run)


def _guarantee_refusal(
    request: Request,
    session: Session,
    account: Account,
    listing: Listing,
    version: ListingVersion,
    provider_name: str,
) -> Response:
    """The consent screen again, saying the chosen shop lacks the guarantee this listing
    requires (409)."""
    context = _consent_context(
        session,
        account=account,
        listing=listing,
        version=version,
        scopes=version_scopes(version),
        action=f"/market/{listing.slug}/install",
        hidden=[],
        provider_name=provider_name,
    )
    session.commit()
    _ = gettext_for(request)
    context["refusal"] = _(
        "This shop does not hold the transaction guarantee (交易保障) this cycle, and this "
        "service is open only to certified shops. Its guarantee page in your console shows "
        "which criteria it missed and what to fix."
    )
    return render(request, "oauth/consent.html", context, status_code=409)


def _ensure_platform_client(request: Request, oauth_request: OAuthRequest) -> None:
    """A plugin's platform client (``tzp_...``) is registered on first use."""
    client_id = oauth_request.payload.data.get("client_id", "")
    if not client_id.startswith(CLIENT_PREFIX):
        return
    with Session(request.app.state.runtime.engine) as writer:
        found = ensure_platform_client(
            writer,
            host=request.app.state.runtime.host,
            settings=request.app.state.settings,
            client_id=client_id,
        )
        if found:
            writer.commit()


async def _oauth_request(request: Request) -> OAuthRequest | Response:
    try:
        return await read_oauth_request(request)
    except InsecureTransportError as error:
        return _error_page(request, error.description)


def _oauth_error(
    request: Request, server: TanziAuthorizationServer, oauth_request: OAuthRequest, error: Any
) -> Response:
    """Back to the client when its redirect URI is known good; otherwise a page, since an
    unverified redirect URI must never receive the person."""
    if error.redirect_uri:
        return server.handle_error_response(oauth_request, error)
    return _error_page(request, f"{error.error}: {error.get_error_description()}")


def _error_page(request: Request, detail: str) -> Response:
    _ = gettext_for(request)
    problem = {"title": _("This authorization request cannot be used"), "detail": detail}
    return render(request, "error.html", {"problem": {**problem, "status": 400}}, status_code=400)


def _shop_id(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput("Choose the shop to install the service in.", field="shop_id") from None


def _live_version(session: Session, listing: Listing) -> ListingVersion:
    version = (
        session.get(ListingVersion, listing.live_version_id)
        if listing.live_version_id is not None
        else None
    )
    if version is None:
        raise InvalidState(f"'{listing.name}' has no live version.", code="listing_unavailable")
    return version


def _plugin_listing(session: Session, slug: str) -> tuple[Listing, ListingVersion, str]:
    """The live listing, its live version and its provider's name, in one query."""
    found = session.exec(
        select(Listing, ListingVersion, Account.name)
        .outerjoin(ListingVersion, col(ListingVersion.id) == col(Listing.live_version_id))
        .outerjoin(Account, col(Account.id) == col(Listing.provider_id))
        .where(Listing.slug == slug)
    ).first()
    if found is None or found[0].status != ListingStatus.live:
        raise NotFound(f"Service '{slug}' was not found in the market.")
    listing, version, provider_name = found
    if version is None:
        raise InvalidState(f"'{listing.name}' has no live version.", code="listing_unavailable")
    if version.kind != "plugin":
        raise InvalidState(
            f"'{listing.name}' is installed from its provider's own site.",
            code="remote_app",
        )
    return listing, version, provider_name or ""


def _consent_context(
    session: Session,
    *,
    account: Account,
    listing: Listing,
    version: ListingVersion,
    scopes: list[str],
    action: str,
    hidden: list[tuple[str, str]],
    provider_name: str | None = None,
) -> dict[str, Any]:
    """What the consent screen shows; ``provider_name`` is looked up unless given."""
    reasons = {str(e.get("scope")): str(e.get("reason") or "") for e in version.scopes}
    shops = installable_shops(session, account=account)
    if provider_name is None:
        provider = session.get(Account, listing.provider_id)
        provider_name = provider.name if provider is not None else ""
    return {
        "listing": listing,
        "version": version,
        "provider_name": provider_name,
        "scopes": [
            {
                "scope": scope,
                "words": PLAIN_WORDS.get(scope, scope),
                "reason": reasons.get(scope, ""),
            }
            for scope in scopes
        ],
        "shops": shops,
        "certified_shop_ids": certified_shop_ids(session, [shop.id or 0 for shop in shops])
        if listing.certified_shops_only
        else set(),
        "action": action,
        "hidden": hidden,
    }
