"""``/docs``: Swagger UI for the open API, served from an installed package, no CDN.

FastAPI's own docs page loads Swagger UI from a CDN, so it is blank on a machine without
internet. Here the assets come from the ``swagger-ui-py`` package (Swagger UI 5, which
reads OpenAPI 3.1) and are served under ``/docs/assets``; the page starts Swagger UI from
``/static/api-docs.js`` rather than an inline script, so the pages' Content-Security-Policy
holds on it too. ReDoc (also a CDN page in FastAPI) is not offered.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from markupsafe import escape

ASSETS_URL = "/docs/assets"

_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} · API docs</title>
  <link rel="stylesheet" href="{assets}/swagger-ui.css">
  <link rel="icon" type="image/png" href="{assets}/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui" data-openapi-url="{openapi_url}"></div>
  <script src="{assets}/swagger-ui-bundle.js"></script>
  <script src="/static/api-docs.js"></script>
</body>
</html>
"""


def swagger_ui_dir() -> Path:
    """The folder of Swagger UI's dist files inside the installed ``swagger-ui-py`` package.

    Found without importing the package (its ``__init__`` loads web-framework adapters
    that the host does not need).
    """
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("swagger-ui-py is not installed; run `make install`")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def install_api_docs(app: FastAPI) -> None:
    """Serve the docs page at ``/docs`` and its assets (the app is built with
    ``docs_url=None`` so FastAPI's CDN page is not registered)."""
    app.mount(ASSETS_URL, StaticFiles(directory=swagger_ui_dir()), name="docs-assets")
    page = _PAGE.format(
        title=escape(app.title), assets=ASSETS_URL, openapi_url=escape(app.openapi_url or "")
    )

    @app.get("/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return HTMLResponse(page)
