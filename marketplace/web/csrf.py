"""CSRF protection for every form: a per-session token, checked on each unsafe request.

Pages put ``{{ csrf_field() }}`` in their forms; scripts send the token in ``X-CSRF-Token``.
Routers made by :func:`web_router` check it before the route runs, so no form can forget.
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Request

from core.errors import PermissionDenied

SESSION_KEY = "csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_token(request: Request) -> str:
    """This session's token, made on first use."""
    token = request.session.get(SESSION_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_KEY] = token
    return token


async def verify_csrf(request: Request) -> None:
    """Refuse an unsafe request whose token is missing or not this session's."""
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get(SESSION_KEY, "")
    sent = request.headers.get(HEADER, "")
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(FIELD, "")
            sent = value if isinstance(value, str) else ""
    if not expected or not sent or not secrets.compare_digest(expected, sent):
        raise PermissionDenied(
            "This form has expired or did not come from Tanzi. Reload the page and try again.",
            code="csrf_failed",
        )


def web_router(**kwargs: object) -> APIRouter:
    """A router for pages: hidden from the API schema, every unsafe request CSRF-checked,
    and the signed-in person (if any) loaded for the layout."""
    from marketplace.web.deps import current_account

    return APIRouter(
        include_in_schema=False,
        dependencies=[Depends(verify_csrf), Depends(current_account)],
        **kwargs,  # type: ignore[arg-type]
    )
