"""Refuse, as a 422 with the field path, request values the database cannot store.

FastAPI validates each parameter and body against its type, but a type says nothing about
the storage behind it: ``int`` accepts ``99999999999999999999`` (SQLite raises
``OverflowError``, PostgreSQL "integer out of range"), and ``str`` accepts a lone surrogate
such as ``"\\ud83c"`` (``UnicodeEncodeError``) or a NUL character (PostgreSQL refuses it).
Each of those used to surface as a 500 on whichever route met it first.

:func:`guard_storable_input` fixes the class of bug in one place: after ``create_app`` has
added every route, it walks each route's dependency tree and gives every path, query,
header, cookie and body field a validation step that runs after FastAPI's own. That step
walks the validated value (models, lists, dicts) and reports every integer outside the
columns' range, every string that is not valid UTF-8 text or holds a NUL, and every
non-finite float, with FastAPI's own ``loc`` so the problem details name the field
(``path.shop_id``, ``body.skus[0].code``). The range is the signed 32-bit one: SQLModel
maps ``int`` to ``INTEGER``, which is 32-bit on PostgreSQL (SQLite's is 64-bit), and a
value that one supported database refuses is refused on both. Values inside free-form
dicts (settings, plugin record data) are stored as JSON, where any integer fits, so only
their strings are checked there.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi._compat import ModelField
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel

#: The range of an ``INTEGER`` column on PostgreSQL, the narrower of the two databases.
DB_INT_MIN = -(2**31)
DB_INT_MAX = 2**31 - 1

Loc = tuple[int | str, ...]


def storage_problems(value: Any, loc: Loc, *, bound_ints: bool = True) -> Iterator[dict[str, Any]]:
    """Yield a FastAPI-style error for each part of ``value`` the database cannot store.

    :param value: a validated value: a scalar, a pydantic model, or lists and dicts of them.
    :param loc: where ``value`` sits in the request, e.g. ``("body", "skus", 0)``.
    :param bound_ints: check integers against the column range (off inside free-form dicts).
    """
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        if bound_ints and not DB_INT_MIN <= value <= DB_INT_MAX:
            yield _error(
                loc,
                "int_out_of_storage_range",
                f"Input should be between {DB_INT_MIN} and {DB_INT_MAX}",
                value,
            )
    elif isinstance(value, float):
        if not math.isfinite(value):
            yield _error(loc, "float_not_finite", "Input should be a finite number", value)
    elif isinstance(value, str):
        yield from _text_problems(value, loc)
    elif isinstance(value, BaseModel):
        for name, field in type(value).model_fields.items():
            yield from storage_problems(
                getattr(value, name, None), (*loc, field.alias or name), bound_ints=bound_ints
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                yield from _text_problems(key, (*loc, key))
            yield from storage_problems(item, (*loc, str(key)), bound_ints=False)
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            yield from storage_problems(item, (*loc, index), bound_ints=bound_ints)


def _text_problems(text: str, loc: Loc) -> Iterator[dict[str, Any]]:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        yield _error(
            loc,
            "string_not_utf8",
            "Input should be valid Unicode text (it holds a lone surrogate)",
            text.encode("utf-8", "backslashreplace").decode("ascii"),
        )
        return
    if "\x00" in text:
        yield _error(loc, "string_has_nul", "Input should not contain NUL characters", text)


def _error(loc: Loc, kind: str, message: str, value: Any) -> dict[str, Any]:
    # ``input`` is shown back to the client: keep it short and always encodable.
    shown = value if isinstance(value, int | float) else str(value)[:80]
    return {"type": kind, "loc": loc, "msg": message, "input": shown}


class StorableModelField(ModelField):
    """A FastAPI field whose validation also refuses values the database cannot store."""

    def validate(
        self,
        value: Any,
        values: dict[str, Any] = {},  # noqa: B006 - the signature FastAPI calls
        *,
        loc: tuple[int | str, ...] = (),
    ) -> tuple[Any, list[dict[str, Any]]]:
        validated, errors = super().validate(value, values, loc=loc)
        if errors:
            return validated, errors
        problems = list(storage_problems(validated, loc))
        return (None, problems) if problems else (validated, [])


def request_fields(dependant: Dependant) -> Iterator[ModelField]:
    """Every field a request fills for ``dependant`` and its sub-dependencies."""
    yield from dependant.path_params
    yield from dependant.query_params
    yield from dependant.header_params
    yield from dependant.cookie_params
    yield from dependant.body_params
    for sub in dependant.dependencies:
        yield from request_fields(sub)


def route_dependants(routes: list[Any]) -> Iterator[Dependant]:
    """The dependant of every API route in ``routes``, looking inside included routers.

    FastAPI includes a router lazily: ``app.routes`` holds an entry whose effective
    candidates (built once and cached until routes change) carry the dependants that
    requests are served with, so those are the ones to guard.
    """
    for route in routes:
        if isinstance(route, APIRoute):
            yield route.dependant
        elif hasattr(route, "effective_candidates"):
            for candidate in route.effective_candidates():
                if hasattr(candidate, "effective_candidates"):
                    yield from route_dependants([candidate])
                elif getattr(candidate, "dependant", None) is not None:
                    yield candidate.dependant


def guard_storable_input(app: FastAPI) -> None:
    """Give every field of every route of ``app`` the storage check (call after routing)."""
    for dependant in route_dependants(app.routes):
        for field in request_fields(dependant):
            if type(field) is ModelField:
                field.__class__ = StorableModelField
