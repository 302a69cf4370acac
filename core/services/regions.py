"""Province-level divisions of China (GB/T 2260 two-digit codes), used for sellable regions.

The list ships with the package as ``core/data/provinces.json`` (34 entries), so nothing
outside the package is read at run time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from core.errors import InvalidInput

_DATA = Path(__file__).resolve().parent.parent / "data" / "provinces.json"


@cache
def provinces() -> dict[str, str]:
    """Every province-level code mapped to its Chinese name, in code order."""
    doc = json.loads(_DATA.read_text(encoding="utf-8"))
    return {row["code"]: row["name"] for row in doc["provinces"]}


def is_province(code: str) -> bool:
    """Whether ``code`` is a known two-digit province-level code."""
    return code in provinces()


def province_name(code: str) -> str | None:
    """The name of province ``code``, or ``None`` when unknown."""
    return provinces().get(code)


def ensure_province(code: str, *, field: str) -> str:
    """Return ``code`` or raise :class:`InvalidInput` naming ``field``."""
    if not is_province(code):
        raise InvalidInput(
            f"'{code}' is not a province-level division code (GB/T 2260, e.g. '11', '44').",
            code="unknown_province",
            field=field,
        )
    return code


def validate_provinces(codes: Iterable[str], *, field: str) -> list[str]:
    """Check each code (the error names ``field[i]``) and drop repeats, keeping order."""
    seen: dict[str, None] = {}
    for i, code in enumerate(codes):
        ensure_province(code, field=f"{field}[{i}]")
        seen.setdefault(code, None)
    return list(seen)
