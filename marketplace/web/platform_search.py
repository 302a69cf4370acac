"""The public search page, ``/search``: shops and products across the platform, with the
green 保 badge and certified shops first (:mod:`core.services.platform_search`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from core.api.deps import ReadSessionDep
from core.services.platform_search import platform_search
from marketplace.web.csrf import web_router
from marketplace.web.templating import render

router = web_router(tags=["platform search"])


@router.get("/search")
def search_page(
    request: Request,
    session: ReadSessionDep,
    q: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """The search box and, for words, the shops and products that match."""
    results = platform_search(session, q.strip())
    session.commit()
    return render(request, "search.html", {"results": results, "q": q.strip()})
