"""A FastAPI router for remote apps: install through OAuth, receive signed webhooks.

    from fastapi import FastAPI
    from sdk.remote.fastapi import Installed, RemoteAppConfig, remote_app_router

    config = RemoteAppConfig(
        tanzi_url="https://tanzi.example",
        client_id="tzc_...",
        client_secret="tz_cs_...",  # None for a public client
        redirect_uri="https://app.example/callback",
        scopes=["shop:read", "orders:read"],
        webhook_secret="whsec_...",
    )
    app = FastAPI()
    app.include_router(remote_app_router(config, store=save_tokens, on_event=handle))

- ``GET /install`` starts the authorization code flow with PKCE (S256) at Tanzi.
- ``GET /callback`` trades the code for tokens and calls ``store(Installed(...))`` with
  the tokens, the shop id and the installation id from Tanzi's token response.
- ``POST /webhooks`` verifies the Standard Webhooks signature (401 when it does not hold),
  skips an event id (the ``webhook-id``) it has already handled, and calls
  ``on_event(WebhookEvent)``; an exception there answers 500, so Tanzi delivers the event
  again later.

``store`` and ``on_event`` may be plain or ``async`` functions.
"""

from __future__ import annotations

import base64
import hashlib
import inspect
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlencode

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from sdk.http.tokens import TokenSet
from sdk.remote.events import WebhookEvent
from sdk.remote.signing import DEFAULT_TOLERANCE_S, InvalidSignature, verify_signature

#: How long a started authorization may take before its callback is refused.
AUTHORIZATION_TTL_S = 600.0


@dataclass(frozen=True)
class RemoteAppConfig:
    """What the app was given when its listing was approved, and where Tanzi is."""

    tanzi_url: str
    client_id: str
    redirect_uri: str
    webhook_secret: str
    client_secret: str | None = None
    scopes: list[str] = field(default_factory=list)
    tolerance_s: float = DEFAULT_TOLERANCE_S
    timeout_s: float = 10.0

    @property
    def authorize_url(self) -> str:
        return self.tanzi_url.rstrip("/") + "/oauth/authorize"

    @property
    def token_url(self) -> str:
        return self.tanzi_url.rstrip("/") + "/oauth/token"


@dataclass(frozen=True)
class Installed:
    """A shop installed the app: its tokens, and which shop and installation they are for."""

    shop_id: int
    installation_id: int
    tokens: TokenSet
    response: dict[str, Any]


class SeenEvents(Protocol):
    """Where the router remembers handled event ids (a ``set`` will do)."""

    def __contains__(self, event_id: object) -> bool: ...

    def add(self, event_id: str) -> None: ...


class RecentEventIds:
    """The last ``maxlen`` handled event ids, in memory (one process; use a database
    table behind the same two methods when the app runs several)."""

    def __init__(self, maxlen: int = 100_000) -> None:
        self.maxlen = maxlen
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, event_id: object) -> bool:
        with self._lock:
            return event_id in self._ids

    def add(self, event_id: str) -> None:
        with self._lock:
            self._ids[event_id] = None
            while len(self._ids) > self.maxlen:
                self._ids.popitem(last=False)


def pkce_pair() -> tuple[str, str]:
    """A PKCE ``(code_verifier, code_challenge)`` for the S256 method (RFC 7636)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode().rstrip("=")


async def _call(fn: Callable[..., Any], *args: Any) -> Any:
    if inspect.iscoroutinefunction(fn):
        return await fn(*args)
    result = await run_in_threadpool(fn, *args)
    return await result if inspect.isawaitable(result) else result


def _problem(status: int, error: str, detail: str) -> JSONResponse:
    return JSONResponse({"error": error, "detail": detail}, status_code=status)


def remote_app_router(
    config: RemoteAppConfig,
    *,
    store: Callable[[Installed], Any],
    on_event: Callable[[WebhookEvent], Any],
    seen: SeenEvents | None = None,
    pending: MutableMapping[str, tuple[str, float]] | None = None,
    after_install: Callable[[Installed], str | None] | None = None,
) -> APIRouter:
    """The app's ``/install``, ``/callback`` and ``/webhooks`` routes.

    :param store: keeps an installation's tokens (the refresh token rotates: keep the newest).
    :param on_event: handles one verified, not yet handled webhook event.
    :param seen: handled event ids; in memory (:class:`RecentEventIds`) by default.
    :param pending: started authorizations, ``state -> (code_verifier, started_at)``; in
        memory by default (share it, e.g. in Redis, when the app runs several processes).
    :param after_install: where to send the merchant after a successful install (a URL);
        by default the callback answers JSON with the shop and installation ids.
    """
    seen_ids: SeenEvents = seen if seen is not None else RecentEventIds()
    started: MutableMapping[str, tuple[str, float]] = pending if pending is not None else {}
    router = APIRouter(tags=["tanzi"])

    @router.get("/install", summary="Start installing the app in a Tanzi shop")
    def install() -> RedirectResponse:
        """Redirect the merchant to Tanzi's consent screen (authorization code + PKCE)."""
        now = time.time()
        for state, (_, at) in list(started.items()):
            if now - at > AUTHORIZATION_TTL_S:
                started.pop(state, None)
        verifier, challenge = pkce_pair()
        state = secrets.token_urlsafe(24)
        started[state] = (verifier, now)
        query = {
            "response_type": "code",
            "client_id": config.client_id,
            "redirect_uri": config.redirect_uri,
            "scope": " ".join(config.scopes),
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        return RedirectResponse(f"{config.authorize_url}?{urlencode(query)}", status_code=302)

    @router.get("/callback", summary="Finish installing: trade the code for tokens")
    async def callback(request: Request) -> Response:
        params = request.query_params
        if params.get("error"):
            return _problem(
                400, params["error"], params.get("error_description") or "Not installed."
            )
        entry = started.pop(params.get("state", ""), None)
        if entry is None or time.time() - entry[1] > AUTHORIZATION_TTL_S:
            return _problem(400, "invalid_state", "Unknown or expired install; start again.")
        code = params.get("code")
        if not code:
            return _problem(400, "invalid_request", "The callback has no code.")
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": config.redirect_uri,
            "code_verifier": entry[0],
            "client_id": config.client_id,
        }
        auth = (
            httpx.BasicAuth(config.client_id, config.client_secret)
            if config.client_secret
            else httpx.USE_CLIENT_DEFAULT
        )
        async with httpx.AsyncClient(timeout=config.timeout_s) as client:
            try:
                answer = await client.post(config.token_url, data=form, auth=auth)
            except httpx.HTTPError as exc:
                return _problem(502, "token_endpoint_unreachable", str(exc))
        body = (
            answer.json()
            if answer.headers.get("content-type", "").startswith("application/json")
            else {}
        )
        if answer.status_code != 200 or "access_token" not in body:
            detail = body.get("error_description") or body.get("error") or answer.text[:200]
            return _problem(502, "token_exchange_failed", str(detail))
        installed = Installed(
            shop_id=int(body["shop_id"]),
            installation_id=int(body["installation_id"]),
            tokens=TokenSet.from_response(body),
            response=body,
        )
        await _call(store, installed)
        target = after_install(installed) if after_install is not None else None
        if target:
            return RedirectResponse(target, status_code=303)
        return JSONResponse(
            {
                "installed": True,
                "shop_id": installed.shop_id,
                "installation_id": installed.installation_id,
                "scope": installed.tokens.scope,
            }
        )

    @router.post("/webhooks", summary="Receive a signed Tanzi webhook")
    async def webhooks(request: Request) -> Response:
        raw = await request.body()
        try:
            verify_signature(
                config.webhook_secret, request.headers, raw, tolerance_s=config.tolerance_s
            )
        except InvalidSignature as exc:
            return _problem(401, f"signature_{exc.reason}", str(exc))
        try:
            event = WebhookEvent.parse(raw)
        except ValidationError as exc:
            return _problem(400, "invalid_event", str(exc.errors()[:1]))
        if event.event_id in seen_ids:
            return JSONResponse({"ok": True, "duplicate": True})
        await _call(on_event, event)  # an error here is a 500: Tanzi tries again later
        seen_ids.add(event.event_id)
        return JSONResponse({"ok": True, "duplicate": False})

    return router
