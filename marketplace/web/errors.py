"""Errors on pages are pages: the same problem details as the API, rendered as HTML.

API clients (paths under ``/api/`` and the OAuth endpoints) keep getting problem JSON;
a browser asking for a page gets a readable page with the same status, and a page that
needs a signed-in person redirects to sign-in instead.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.errors import TanziError
from core.models import Account
from marketplace.web.deps import ACCOUNT_KEY, SignInRequired, session_is_current
from marketplace.web.templating import render

_MACHINE_PREFIXES = ("/api/", "/oauth/token", "/oauth/revoke", "/oauth/introspect", "/.well-known/")

Handler = Callable[[Request, Any], Awaitable[Response]]


def wants_page(request: Request) -> bool:
    """Whether the caller is a browser asking for a page, not an API client."""
    if request.url.path.startswith(_MACHINE_PREFIXES):
        return False
    return "text/html" in request.headers.get("accept", "")


def install_page_error_handlers(app: FastAPI) -> None:
    """Wrap the problem-details handlers (installed first) so pages get HTML errors."""
    for exc_class in (TanziError, RequestValidationError, StarletteHTTPException, Exception):
        json_handler: Handler = app.exception_handlers[exc_class]  # type: ignore[assignment]
        app.add_exception_handler(exc_class, _page_or(json_handler))


def _page_or(json_handler: Handler) -> Handler:
    async def handler(request: Request, exc: Exception) -> Response:
        if isinstance(exc, SignInRequired) and wants_page(request):
            return RedirectResponse(exc.location, status_code=303)
        response = await json_handler(request, exc)
        if not wants_page(request):
            return response
        problem = json.loads(bytes(response.body))
        _load_account_for_layout(request)
        return render(
            request,
            "error.html",
            {"problem": problem},
            status_code=response.status_code,
            headers={k: v for k, v in response.headers.items() if k.lower() == "retry-after"},
        )

    return handler


def _load_account_for_layout(request: Request) -> None:
    """Errors raised before the route's dependencies ran still show who is signed in."""
    if getattr(request.state, "account", None) is not None or "session" not in request.scope:
        return
    account_id = request.session.get(ACCOUNT_KEY)
    if isinstance(account_id, int):
        with Session(request.app.state.engine) as session:
            account = session.get(Account, account_id)
        if account is not None and session_is_current(request, account):
            request.state.account = account  # an ended session shows no one signed in
