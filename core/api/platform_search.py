"""``GET /api/v1/search``: shops and products across the platform, certified shops first
(no token needed)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from core.api.deps import ReadSessionDep
from core.schemas.platform_search import PlatformSearchResults
from core.services.platform_search import platform_search

router = APIRouter(tags=["storefront"])


@router.get("/search", response_model=PlatformSearchResults)
def search(
    session: ReadSessionDep,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=100,
            description="Words that must all appear in a shop's name or description, or a "
            "product's title or description (any case)",
        ),
    ],
) -> PlatformSearchResults:
    """Open shops and listed products matching ``q``, up to 20 of each: shops holding the
    transaction guarantee (交易保障) and their products first, then name matches."""
    return platform_search(session, q)
