"""Provider-written Markdown made safe: no raw HTML, no script, only http(s)/mailto links."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_ALLOWED_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str | None) -> Markup:
    """HTML for ``text``: Markdown rendered with raw HTML off, then sanitized by nh3."""
    html = _md.render(text or "")
    return Markup(nh3.clean(html, url_schemes=_ALLOWED_SCHEMES, link_rel="nofollow noopener"))
