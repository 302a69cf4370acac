"""Plugins for the ``tanzi-sdk`` command tests: a good one and ways of getting one wrong."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from typer.testing import CliRunner, Result

from sdk.cli import app

#: Wide enough that rich tables keep each cell on one line.
ENV = {"COLUMNS": "250", "NO_COLOR": "1", "TERM": "dumb"}

HEADER = """
from __future__ import annotations

from typing import Any

from sdk import OrderEvent, PluginManifest, ScopeRequest, ShopClient, hookimpl
from sdk.scopes import Scope
"""

#: A valid plugin: reads the paid order, keeps a note.
GOOD = (
    HEADER
    + """
manifest = PluginManifest(
    id="{id}",
    name="Good",
    version="1.2.0",
    scopes=[ScopeRequest(scope=Scope.orders_read, reason="to read paid orders")],
    hooks=["order_paid"],
    requires_tanzi=">=0.1",
)


@hookimpl
def order_paid(event: OrderEvent, client: ShopClient, settings: Any) -> None:
    order = client.orders.get(event.order.id)
    client.records.put("notes", str(order.id), {"total_fen": order.total_fen})
"""
)


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    """``tanzi-sdk ARGS`` in-process."""
    return CliRunner().invoke(app, list(args), env={**ENV, **(env or {})})


def write_module(directory: Path, name: str, source: str) -> Path:
    """Write module ``name`` (a ``.py`` file) into ``directory``; its path."""
    path = directory / f"{name}.py"
    path.write_text(textwrap.dedent(source).replace("{id}", name), encoding="utf-8")
    return path


@contextmanager
def imports_restored(root: Path) -> Iterator[None]:
    """Undo what importing plugins under ``root`` did to ``sys.path`` and ``sys.modules``."""
    path = list(sys.path)
    try:
        yield
    finally:
        sys.path[:] = path
        for name, module in list(sys.modules.items()):
            file = getattr(module, "__file__", None) or ""
            if file.startswith(str(root)):
                del sys.modules[name]


def assert_ok(result: Result) -> str:
    """The output of a command that must have succeeded."""
    assert result.exit_code == 0, result.output
    return result.output


def exit_code(result: Result) -> int:
    """The command's exit code (``typer.Exit`` or a crash shown as 1 with its exception)."""
    if result.exception is not None and not isinstance(result.exception, SystemExit | typer.Exit):
        raise result.exception
    return result.exit_code


def has_row(output: str, *cells: str) -> bool:
    """Whether one line of ``output`` (a table row) holds every cell, in order."""
    for line in output.splitlines():
        at = 0
        for cell in cells:
            at = line.find(cell, at)
            if at < 0:
                break
            at += len(cell)
        else:
            return True
    return False
