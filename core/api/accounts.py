"""REST routes: accounts."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["accounts"])
