"""The OAuth endpoints clients call: token, revocation, introspection, and the metadata.

They take client credentials, not browser sessions, so they sit on a plain router without
CSRF checks. Each reads its form on the event loop, then runs authlib (synchronous) in a
worker thread with the request's session and commits there: a failed exchange may still
have revoked a token family (a replayed code or refresh token), and that must stick.
"""

from __future__ import annotations

from authlib.oauth2.rfc6749 import InsecureTransportError
from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlmodel import Session

from core.api.deps import SessionDep, SettingsDep
from core.settings import Settings
from marketplace.oauth.metadata import WELL_KNOWN_PATH, server_metadata
from marketplace.oauth.server import OAuthRequest, TanziAuthorizationServer

router = APIRouter(tags=["oauth"])

FORM_BODY = {
    "requestBody": {
        "content": {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}}
    }
}


async def read_oauth_request(request: Request) -> OAuthRequest:
    """The request's form (or query, for GET) as authlib's request object."""
    if request.method == "GET":
        pairs = list(request.query_params.multi_items())
    else:
        form = await request.form()
        pairs = [(key, value) for key, value in form.multi_items() if isinstance(value, str)]
    return OAuthRequest(request.method, str(request.url), request.headers, pairs)


async def _respond(request: Request, session: Session, settings: Settings, name: str) -> Response:
    try:
        oauth_request = await read_oauth_request(request)
    except InsecureTransportError as error:
        status, body, headers = error()
        return JSONResponse(body, status_code=status, headers=dict(headers))

    def run() -> Response:
        server = TanziAuthorizationServer(session, settings)
        if name == "token":
            response = server.create_token_response(oauth_request)
        else:
            response = server.create_endpoint_response(name, oauth_request)
        session.commit()
        return response

    return await run_in_threadpool(run)


@router.post(
    "/oauth/token", summary="Trade a code or a refresh token for tokens", openapi_extra=FORM_BODY
)
async def token_endpoint(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """RFC 6749 token endpoint: ``grant_type=authorization_code`` (with the PKCE
    ``code_verifier``) or ``grant_type=refresh_token``.

    The response adds ``shop_id`` and ``installation_id``. Access tokens expire in 1 hour;
    refresh tokens in 30 days, and each refresh returns a new one and revokes the old.
    """
    return await _respond(request, session, settings, "token")


@router.post("/oauth/revoke", summary="Revoke a token (RFC 7009)", openapi_extra=FORM_BODY)
async def revocation_endpoint(
    request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """Revoke an access token, or a refresh token and every token of its grant."""
    return await _respond(request, session, settings, "revocation")


@router.post("/oauth/introspect", summary="Describe a token (RFC 7662)", openapi_extra=FORM_BODY)
async def introspection_endpoint(
    request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """For a confidential client, about its own tokens: ``active`` is true exactly when the
    API would accept the token now."""
    return await _respond(request, session, settings, "introspection")


@router.get(WELL_KNOWN_PATH, summary="Authorization server metadata (RFC 8414)")
def metadata_endpoint(settings: SettingsDep) -> dict[str, object]:
    return dict(server_metadata(settings.base_url))
