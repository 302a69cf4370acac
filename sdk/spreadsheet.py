"""Writing spreadsheet cells safely: no formula injection (CSV injection).

A spreadsheet program runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in
some, one starting with a tab or carriage return) as a formula, so a product title such as
``=HYPERLINK("http://evil", "x")`` in an export would run on the merchant's machine. Every
export writer passes text cells through :func:`neutralize_cell`, which prefixes such a
value with an apostrophe, as OWASP recommends; numbers are left as numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize_cell(value: Any) -> Any:
    """``value`` made safe for a spreadsheet cell: text starting like a formula gets a
    leading ``'``; numbers, booleans, ``None`` and other text pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralize_row(values: Iterable[Any]) -> list[Any]:
    """Every cell of a row through :func:`neutralize_cell`."""
    return [neutralize_cell(v) for v in values]


def restore_cell(value: Any) -> Any:
    """Undo :func:`neutralize_cell` when a file Tanzi exported is read back in."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value
