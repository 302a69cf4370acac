"""``create_app``: the whole Tanzi web app, built from settings with no import-time state."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from sqlalchemy.engine import Engine

import core
from core.api import build_api_router
from core.api.plugins import attach_plugin_host
from core.api.problems import install_problem_handlers
from core.db import create_db_engine
from core.ratelimit import create_rate_limiter
from core.settings import Settings, get_settings


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
    )
    app.state.settings = settings
    app.state.engine = engine or create_db_engine(settings)
    app.state.rate_limiter = create_rate_limiter(settings)
    attach_plugin_host(app)
    install_problem_handlers(app)
    app.include_router(build_api_router())

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/docs")

    @app.get("/healthz", tags=["meta"], include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
