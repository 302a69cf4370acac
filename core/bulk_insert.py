"""Insert many rows at once, skipping those that hit a unique key: ``ON CONFLICT DO NOTHING``.

On PostgreSQL the rows travel as one array per column and the statement is
``INSERT ... SELECT ... FROM unnest(...)``: a short statement with a handful of parameters,
where a multi-row ``VALUES`` list would carry one placeholder per cell, which psycopg
rewrites in Python (uncached past 50 parameters) and the server parses, costing several
times the write itself. Values shared by every row (``same``) are bound once. SQLite keeps
the multi-row ``VALUES`` path (SQLAlchemy's "insertmanyvalues"), which is cheap there.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import JSON, Table, Text, bindparam, cast, func
from sqlalchemy import select as sql_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

#: Rows per statement: bounds the arrays (PostgreSQL) and the batches (SQLite).
CHUNK = 10_000


def insert_skipping_conflicts(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    conflict: Sequence[str],
    returning: str,
    same: Mapping[str, Any] | None = None,
) -> list[Any]:
    """Insert ``rows`` (each also given the ``same`` values) into ``table`` in the session's
    transaction, leaving alone every row whose ``conflict`` columns already exist.

    Returns the ``returning`` column of the rows actually written (those skipped are not
    in it), so ``len()`` of it is how many were written. Every row has the same keys."""
    shared = dict(same or {})
    written: list[Any] = []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        if session.get_bind().dialect.name == "postgresql":
            statement = _unnest_insert(table, list(chunk[0]), shared, chunk)
            result = session.connection().execute(
                statement.on_conflict_do_nothing(index_elements=list(conflict)).returning(
                    table.c[returning]
                )
            )
        else:
            statement = sqlite.insert(table).on_conflict_do_nothing(index_elements=list(conflict))
            result = session.connection().execute(
                statement.returning(table.c[returning]), [{**row, **shared} for row in chunk]
            )
        written.extend(value for (value,) in result.all())
    return written


def _unnest_insert(
    table: Table, varying: list[str], shared: dict[str, Any], rows: Sequence[Mapping[str, Any]]
) -> Any:
    """``INSERT INTO table (...) SELECT <shared values>, r.* FROM unnest(<arrays>) AS r``."""
    arrays = [_column_array(table.c[name], [row[name] for row in rows]) for name in varying]
    unnested = func.unnest(*arrays).table_valued(*varying).render_derived(name="r")
    constants = [
        bindparam(f"same_{name}", value, type_=table.c[name].type) for name, value in shared.items()
    ]
    columns = [
        cast(unnested.c[name], JSON) if _is_json(table.c[name]) else unnested.c[name]
        for name in varying
    ]
    source = sql_select(*constants, *columns)
    return postgresql.insert(table).from_select([*shared, *varying], source)


def _is_json(column: Any) -> bool:
    return isinstance(column.type, JSON)


def _column_array(column: Any, values: list[Any]) -> Any:
    """One column's values as an array parameter. A JSON value that is itself a list would
    read as an array dimension, so JSON travels as ``text[]`` (cast back per element)."""
    if _is_json(column):
        return bindparam(
            f"rows_{column.name}", [json.dumps(v) for v in values], type_=postgresql.ARRAY(Text)
        )
    return bindparam(f"rows_{column.name}", values, type_=postgresql.ARRAY(column.type))
