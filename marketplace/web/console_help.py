"""The console frame's help: the guides that help with the page on screen, and the link to
ask the platform (a support ticket carrying the page it came from).

Every shop page includes ``console/_shop_nav.html``, which calls :func:`page_guides` with
the page's key (its tab), so a guide an admin writes for a page shows on it at once.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from sqlmodel import Session

from core.models import Guide
from core.services.guides import guides_for_page


def guide_title(guide: Guide, lang: str) -> str:
    """The guide's title in the page's language."""
    return guide.title_zh if lang == "zh_CN" else guide.title_en


def guide_body(guide: Guide, lang: str) -> str:
    """The guide's Markdown in the page's language."""
    return guide.body_zh if lang == "zh_CN" else guide.body_en


def page_guides(request: Request, page_key: str) -> list[Guide]:
    """The published guides for the console page ``page_key`` (read on the read engine)."""
    runtime: Any = getattr(request.app.state, "runtime", None)
    if runtime is None or not page_key:
        return []
    with Session(runtime.read_engine, expire_on_commit=False) as session:
        rows = guides_for_page(session, page_key=page_key)
        session.commit()
    return rows


def support_link(shop_id: int, request: Request) -> str:
    """The new-ticket page for ``shop_id``, told which page the person was on."""
    return f"/console/shops/{shop_id}/support/new?" + urlencode({"from": request.url.path})
