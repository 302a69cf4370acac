"""Rendering pages: one Jinja2 environment per language, autoescaped, with the shared helpers.

Templates live in ``marketplace/templates`` and extend ``base.html``. Every page gets
``request``, ``user`` (the signed-in account or ``None``), ``lang``, ``locales``,
``csrf_field()`` for forms, ``flashes`` and the filters ``markdown`` and ``money``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from marketplace.web.console_help import guide_body, guide_title, page_guides, support_link
from marketplace.web.csrf import FIELD, csrf_token
from marketplace.web.i18n import LOCALES, request_locale, translations
from marketplace.web.markdown import render_markdown

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"
FLASH_KEY = "flash"


def money(fen: int | None, currency: str = "¥") -> str:
    """``1999`` -> ``¥19.99``."""
    value = int(fen or 0)
    sign = "-" if value < 0 else ""
    return f"{sign}{currency}{abs(value) // 100}.{abs(value) % 100:02d}"


@cache
def environment(locale: str) -> Environment:
    """The environment for one language (templates compile once per language)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.policies["ext.i18n.trimmed"] = True  # as the catalog test extracts them
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.filters["markdown"] = render_markdown
    env.filters["money"] = money
    env.globals["locales"] = LOCALES
    env.globals["page_guides"] = page_guides
    env.globals["support_link"] = support_link
    env.globals["guide_title"] = guide_title
    env.globals["guide_body"] = guide_body
    return env


def flash(request: Request, message: str, category: str = "info") -> None:
    """A one-time message shown at the top of the next page (``info``, ``success``, ``error``)."""
    # A new list, not an append in place: Starlette saves a session only when an item is
    # assigned, so a second message appended to a waiting one would be lost.
    waiting = request.session.get(FLASH_KEY, [])
    request.session[FLASH_KEY] = [*waiting, {"message": message, "category": category}]


def gettext_for(request: Request) -> Any:
    """The ``gettext`` of the request's language, for messages built in Python."""
    return translations(request_locale(request)).gettext


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """``template`` rendered for ``request`` in its language."""
    locale = request_locale(request)
    token = csrf_token(request)
    values: dict[str, Any] = {
        "request": request,
        "user": getattr(request.state, "account", None),
        "unread_notices": getattr(request.state, "unread_notices", 0),
        "lang": locale,
        "html_lang": locale.replace("_", "-"),
        "csrf_token": token,
        "csrf_field": lambda: Markup('<input type="hidden" name="{}" value="{}">').format(
            FIELD, token
        ),
        "flashes": request.session.pop(FLASH_KEY, []),
    }
    values.update(context or {})
    html = environment(locale).get_template(template).render(values)
    response = HTMLResponse(html, status_code=status_code, headers=headers)
    response.headers.setdefault("Cache-Control", "no-store")
    return response
