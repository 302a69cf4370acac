"""Every error leaves the API as RFC 9457 problem details (``application/problem+json``)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.db import not_ready_message
from core.errors import TanziError

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"


def problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=body["status"], media_type=PROBLEM_JSON, headers=headers)


def field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    """``("body", "skus", 0, "price_fen")`` -> ``"body.skus[0].price_fen"``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def install_problem_handlers(app: FastAPI) -> None:
    """Register the handlers that turn errors into problem details."""

    @app.exception_handler(TanziError)
    async def _tanzi_error(request: Request, exc: TanziError) -> JSONResponse:
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status == 401:
            headers.setdefault("WWW-Authenticate", "Bearer")
        return problem_response(exc.to_problem(request.url.path), headers or None)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "field": field_path(err.get("loc", ())),
                "message": err.get("msg", ""),
                "type": err.get("type", ""),
            }
            for err in exc.errors()
        ]
        first = errors[0]["field"] if errors else "request"
        return problem_response(
            {
                "type": "https://tanzi.dev/problems/invalid_input",
                "title": "Invalid input",
                "status": 422,
                "code": "invalid_input",
                "detail": f"{len(errors)} field(s) are invalid, first: {first}",
                "instance": request.url.path,
                "errors": errors,
            }
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthenticated"}.get(
            exc.status_code, "http_error"
        )
        return problem_response(
            {
                "type": f"https://tanzi.dev/problems/{code}",
                "title": str(exc.detail) if exc.status_code != 404 else "Not found",
                "status": exc.status_code,
                "code": code,
                "detail": str(exc.detail),
                "instance": request.url.path,
            },
            dict(exc.headers) if exc.headers else None,
        )

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        # A missing table means the database was never migrated (the start-up check did
        # not run, e.g. an app served without its lifespan): say what to run.
        if not _is_missing_table(exc):
            raise exc  # any other database error is a 500, logged by the handler below
        log.error("database not migrated: %s", exc.orig)
        return problem_response(
            {
                "type": "https://tanzi.dev/problems/database_not_migrated",
                "title": "Database not migrated",
                "status": 503,
                "code": "database_not_migrated",
                "detail": not_ready_message(request.app.state.engine, str(exc.orig)),
                "instance": request.url.path,
            }
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(
            {
                "type": "https://tanzi.dev/problems/internal_error",
                "title": "Internal server error",
                "status": 500,
                "code": "internal_error",
                "detail": "Something went wrong on our side; the error has been logged.",
                "instance": request.url.path,
            }
        )


def _is_missing_table(exc: DBAPIError) -> bool:
    """SQLite's "no such table" or PostgreSQL's undefined_table (SQLSTATE 42P01)."""
    return getattr(exc.orig, "sqlstate", None) == "42P01" or "no such table" in str(exc.orig)
