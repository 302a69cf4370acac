"""A refused upload on a console page: the kernel's problem JSON, plus a ``message`` in the
page's language for the page's script to show beside the file field."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse

from core.errors import TanziError
from marketplace.web.templating import gettext_for


def refusal_message(
    request: Request,
    exc: TanziError,
    *,
    accepted: str,
    codes: dict[str, str] | None = None,
    fallback: str | None = None,
) -> str:
    """Why the upload was refused, in the page's language (``accepted`` says which files
    are taken; ``codes`` adds the page's own messages for other problem codes); an unknown
    code gives ``fallback`` (by default the kernel's detail)."""
    _ = gettext_for(request)
    messages = {
        "file_too_large": _("The file is too large."),
        "unsupported_file_type": accepted,
        "invalid_image": _("The image is damaged or incomplete."),
        **(codes or {}),
    }
    return messages.get(exc.code) or (exc.detail if fallback is None else fallback)


def upload_refusal(
    request: Request,
    exc: TanziError,
    *,
    accepted: str,
    fields: dict[str, str] | None = None,
    codes: dict[str, str] | None = None,
) -> JSONResponse:
    """``exc`` as problem JSON with ``message`` (``accepted`` says which files are taken;
    ``fields`` maps a form field to its own message, sent as ``fields``; ``codes`` adds
    the page's own messages for other problem codes)."""
    body = exc.to_problem(request.url.path)
    known = refusal_message(request, exc, accepted=accepted, codes=codes, fallback="")
    body["message"] = known or next(iter((fields or {}).values()), exc.detail)
    if fields:
        body["fields"] = fields
    return JSONResponse(body, status_code=exc.status, media_type="application/problem+json")
