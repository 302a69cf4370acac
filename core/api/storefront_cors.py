"""CORS for the storefront: ``/api/v1/storefront/shops/{shop_id}/...`` answers a browser's
cross-origin requests, preflight included, only from the origins that shop registered.

Starlette's ``CORSMiddleware`` takes one fixed list for the whole app; here the list is the
shop's, read from the database and cached per process for :data:`CACHE_SECONDS` (an edit
through this process is seen at once, elsewhere within that time). Every other route is
left untouched: it gets no CORS headers and its ``OPTIONS`` requests pass through.
No credentials are allowed: buyers call with a bearer token, never a cookie.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.services.storefront_origins import shop_origins

#: How long a process trusts its copy of a shop's origins.
CACHE_SECONDS = 30.0
STOREFRONT_PATH = re.compile(r"^/api/v1/storefront/shops/(\d{1,10})(?:/|$)")
ALLOW_METHODS = "GET, POST, OPTIONS"
ALLOW_HEADERS = "Accept, Accept-Language, Authorization, Content-Type, Idempotency-Key"
EXPOSE_HEADERS = "Idempotent-Replayed, Retry-After"
MAX_AGE = "600"


class OriginCache:
    """Each shop's origins, loaded on first use and kept for ``ttl`` seconds."""

    def __init__(
        self,
        engine: Engine,
        *,
        ttl: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine, self.ttl, self.clock = engine, ttl, clock
        self._entries: dict[int, tuple[float, frozenset[str]]] = {}

    def load(self, shop_id: int) -> frozenset[str]:
        """The shop's origins (from the cache while fresh; a blocking read otherwise)."""
        now = self.clock()
        entry = self._entries.get(shop_id)
        if entry is not None and entry[0] > now:
            return entry[1]
        with Session(self.engine) as session:
            origins = frozenset(shop_origins(session, shop_id))
        if len(self._entries) > 10_000:
            self._entries.clear()  # a bound, not an LRU: reloading is cheap
        self._entries[shop_id] = (now + self.ttl, origins)
        return origins

    def cached(self, shop_id: int) -> frozenset[str] | None:
        entry = self._entries.get(shop_id)
        return entry[1] if entry is not None and entry[0] > self.clock() else None

    def forget(self, shop_id: int) -> None:
        """Drop the shop's entry (after its origins change)."""
        self._entries.pop(shop_id, None)


class StorefrontCorsMiddleware:
    """Pure ASGI middleware answering CORS on the storefront routes, per shop."""

    def __init__(self, app: ASGIApp, cache: OriginCache) -> None:
        self.app, self.cache = app, cache

    async def _allowed(self, shop_id: int, origin: str) -> bool:
        origins = self.cache.cached(shop_id)
        if origins is None:
            origins = await run_in_threadpool(self.cache.load, shop_id)
        return origin in origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = STOREFRONT_PATH.match(scope.get("path", "")) if scope["type"] == "http" else None
        if match is None:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        shop_id = int(match.group(1))
        allowed = (
            origin is not None and shop_id <= 2**31 - 1 and await self._allowed(shop_id, origin)
        )
        if scope["method"] == "OPTIONS" and origin and "access-control-request-method" in headers:
            await self._preflight(send, origin if allowed else None)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                out.add_vary_header("Origin")
                if allowed and origin:
                    out["Access-Control-Allow-Origin"] = origin
                    out["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_cors)

    async def _preflight(self, send: Send, origin: str | None) -> None:
        if origin is None:
            body = json.dumps(
                {
                    "type": "https://tanzi.dev/problems/cors_origin_not_allowed",
                    "title": "Forbidden",
                    "status": 403,
                    "code": "cors_origin_not_allowed",
                    "detail": "This shop has not registered that origin for its storefront.",
                }
            ).encode()
            headers = [
                (b"content-type", b"application/problem+json"),
                (b"vary", b"Origin"),
                (b"content-length", str(len(body)).encode()),
            ]
            status = 403
        else:
            body = b""
            headers = [
                (b"access-control-allow-origin", origin.encode("latin-1")),
                (b"access-control-allow-methods", ALLOW_METHODS.encode()),
                (b"access-control-allow-headers", ALLOW_HEADERS.encode()),
                (b"access-control-max-age", MAX_AGE.encode()),
                (b"vary", b"Origin"),
                (b"content-length", b"0"),
            ]
            status = 204
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
