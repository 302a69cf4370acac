"""``create_app``: the whole Tanzi web app, built from settings with no import-time state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from starlette.middleware.sessions import SessionMiddleware

import core
from core.api import build_api_router
from core.api.plugins import attach_plugin_host
from core.api.problems import install_problem_handlers
from core.api.storable_input import guard_storable_input
from core.api.storefront_cors import OriginCache, StorefrontCorsMiddleware
from core.db import create_db_engine, prepare_database
from core.ratelimit import create_rate_limiter
from core.settings import Settings, get_settings
from marketplace.api import provider as provider_api
from marketplace.api_docs import install_api_docs
from marketplace.oauth import consent as oauth_consent
from marketplace.oauth import plugin_connect
from marketplace.oauth import routes as oauth_routes
from marketplace.security_headers import SecurityHeadersMiddleware
from marketplace.web import (
    admin,
    admin_guarantee,
    admin_guides,
    admin_qualifications,
    admin_support,
    admin_suspensions,
    auth_pages,
    console,
    installed,
    market,
    notices,
    platform_search,
    plugin_pages,
    plugin_webhooks,
    provider,
    storefront,
)
from marketplace.web.errors import install_page_error_handlers

STATIC_DIR = Path(__file__).resolve().parent / "static"
SESSION_COOKIE = "tanzi_session"
SESSION_MAX_AGE_S = 14 * 86400


@asynccontextmanager
async def _check_database_at_start(app: FastAPI) -> AsyncIterator[None]:
    # Migrates in development; elsewhere refuses to start on an unmigrated database.
    prepare_database(app.state.engine, app.state.settings)
    yield


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """Build the app for ``settings`` (read from the environment when ``None``)."""
    settings = settings or get_settings()
    settings.ensure_secret_key()
    app = FastAPI(
        title="Tanzi open API",
        version=core.__version__,
        description=(
            "The shop kernel's REST API. Shop resources live under `/api/v1/shops/{shop_id}`; "
            "lists are cursor-paginated; errors are RFC 9457 problem details."
        ),
        docs_url=None,
        redoc_url=None,
        lifespan=_check_database_at_start,
    )
    app.state.settings = settings
    app.state.engine = engine or create_db_engine(settings)
    app.state.rate_limiter = create_rate_limiter(settings)
    attach_plugin_host(app)
    install_problem_handlers(app)
    install_page_error_handlers(app)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE_S,
        same_site="lax",
        https_only=settings.env == "production",
    )
    app.add_middleware(SecurityHeadersMiddleware)
    app.state.storefront_origins = OriginCache(app.state.engine)
    app.add_middleware(StorefrontCorsMiddleware, cache=app.state.storefront_origins)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_api_docs(app)
    app.include_router(build_api_router())
    app.include_router(auth_pages.router)
    app.include_router(oauth_routes.router)
    app.include_router(oauth_consent.router)
    app.include_router(plugin_connect.router)
    app.include_router(market.router)
    app.include_router(installed.router)
    app.include_router(console.router)
    app.include_router(plugin_pages.router)
    app.include_router(plugin_webhooks.router)
    app.include_router(provider_api.router)
    app.include_router(provider.router)
    app.include_router(admin.router)
    app.include_router(admin_suspensions.router)
    app.include_router(admin_guarantee.router)
    app.include_router(storefront.router)
    app.include_router(platform_search.router)
    app.include_router(admin_qualifications.router)
    app.include_router(admin_support.router)
    app.include_router(admin_guides.router)
    app.include_router(notices.router)

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/market")

    @app.get("/healthz", tags=["meta"], include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    guard_storable_input(app)
    return app
