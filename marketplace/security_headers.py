"""Security headers on every response; the page-only ones on every HTML page.

Pages load scripts and styles only from ``/static`` (no inline script, no inline style),
so the policy needs no ``'unsafe-inline'``. ``frame-ancestors 'none'`` and
``X-Frame-Options: DENY`` keep the consent screen, and every other page, out of frames
(clickjacking). Listing icons may be https images from the provider's site, hence
``img-src https:``. ``form-action`` is left open on purpose: the consent form's answer is a
redirect to the remote app's own ``redirect_uri``, which Chromium checks against it.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: https:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
    ]
)

#: Sent with every response.
ALWAYS = {"X-Content-Type-Options": "nosniff"}
#: Sent with every HTML page as well.
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


class SecurityHeadersMiddleware:
    """Pure ASGI middleware (streams pass through untouched) that adds the headers above."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                wanted = dict(ALWAYS)
                if headers.get("content-type", "").startswith("text/html"):
                    wanted.update(PAGE_HEADERS)
                for name, value in wanted.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
