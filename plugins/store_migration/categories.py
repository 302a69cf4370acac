"""Put a file's categories onto Tanzi's category tree, and say which need the merchant.

Other platforms' categories are the shop's own paths (``Clothing > Tshirts``,
``Default Category/Women/Tops``); Tanzi's tree is the platform's, named in Chinese and
English (``服饰 Clothing``). A path is matched from its deepest level up: the first level
whose name equals a Tanzi category's name, or one of its words in either language
(compared without case, punctuation or a plural ``s``), gives the category. The merchant's
own choices (the mapping step) come first; a path nothing matches is left for them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sdk.client import ShopClient
from sdk.models import Category

#: The record collection of the merchant's mapping step: key = the path as written in the
#: file, data = ``{"category_id": id}``.
MAPPING = "category_map"

_WORD = re.compile(r"[^0-9a-z\u4e00-\u9fff]+")
_SPLIT = re.compile(r"\s*(?:>|/|»|\|)\s*")


def _norm(text: str) -> str:
    word = _WORD.sub("", text.casefold())
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def path_levels(path: str) -> list[str]:
    """The levels of a category path written with ``>``, ``/``, ``»`` or ``|``."""
    return [level for level in _SPLIT.split(path.strip()) if level]


@dataclass(frozen=True, slots=True)
class Match:
    """Where a source path lands: the category, or ``None`` when the merchant must choose;
    ``qualifications`` the category needs."""

    path: str
    category_id: int | None
    qualifications: tuple[str, ...] = ()


class CategoryMatcher:
    """Matches source category paths onto ``tree``; ``chosen`` maps a path (as written in
    the file) to the category the merchant picked, which wins over any match."""

    def __init__(self, tree: Iterable[Category], chosen: Mapping[str, int] | None = None) -> None:
        self._tree = {category.id: category for category in tree}
        self._chosen = {path.strip(): int(cid) for path, cid in (chosen or {}).items()}
        self._names: dict[str, list[Category]] = {}
        for category in self._tree.values():
            keys = {_norm(category.name), *(_norm(word) for word in category.name.split())}
            for key in keys - {""}:
                self._names.setdefault(key, []).append(category)
        self._cache: dict[str, Match] = {}

    def _depth(self, category: Category) -> int:
        depth, seen = 0, set()
        while category.parent_id is not None and category.parent_id not in seen:
            seen.add(category.parent_id)
            parent = self._tree.get(category.parent_id)
            if parent is None:
                break
            category, depth = parent, depth + 1
        return depth

    def match(self, path: str) -> Match:
        """Where ``path`` goes (``category_id`` ``None``: unmatched)."""
        path = path.strip()
        cached = self._cache.get(path)
        if cached is not None:
            return cached
        found: Category | None = None
        chosen = self._chosen.get(path)
        if chosen is not None:
            found = self._tree.get(chosen)
        else:
            for level in reversed(path_levels(path)):
                candidates = self._names.get(_norm(level), [])
                if candidates:
                    found = max(candidates, key=lambda c: (self._depth(c), -c.id))
                    break
        match = Match(
            path=path,
            category_id=found.id if found is not None else None,
            qualifications=tuple(found.qualifications) if found is not None else (),
        )
        self._cache[path] = match
        return match

    def unmatched(self, paths: Iterable[str]) -> list[str]:
        """The distinct paths of ``paths`` nothing matches, in first-seen order."""
        seen: dict[str, None] = {}
        for path in paths:
            if path.strip() and self.match(path).category_id is None:
                seen.setdefault(path.strip(), None)
        return list(seen)


def chosen_categories(client: ShopClient) -> dict[str, int]:
    """The merchant's category choices of the mapping step: source path -> category id."""
    chosen: dict[str, int] = {}
    after: str | None = None
    while page := client.records.list(MAPPING, limit=200, after_key=after):
        chosen.update((record.key, int(record.data["category_id"])) for record in page)
        after = page[-1].key
    return chosen


def import_values(client: ShopClient) -> dict[str, object]:
    """What ``parse`` needs from the shop before an import (the importers' ``prepare``):
    Tanzi's category tree and the merchant's choices of the mapping step."""
    return {
        "categories": [c.model_dump() for c in client.categories.list()],
        "category_map": chosen_categories(client),
    }
