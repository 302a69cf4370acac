"""Which scopes a plugin uses: its hooks' needs and a static scan of its client calls.

Both tables are read from the SDK's own documentation, so they cannot drift from it: a
hook needs the scopes its spec's ``Scopes:`` line names outside parentheses (what is in
parentheses is optional, e.g. ``orders:pii`` for buyer details), and a client method needs
the scope its docstring in :mod:`sdk.client` names (``Scope: ``orders:read````). Reading an
order's buyer fields (``recipient_name``, ``recipient_phone``, ``address``) counts as using
``orders:pii``, without which they are ``None``.
"""

from __future__ import annotations

import ast
import inspect
import re
import typing
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sdk import client as client_module
from sdk import hookspecs
from sdk._markers import PROJECT_NAME
from sdk.scopes import Scope

_SCOPE_TOKEN = re.compile(r"\b[a-z]+:[a-z]+\b")
_METHOD_SCOPE = re.compile(r"Scope:\s*``([a-z]+:[a-z]+)``")
_PARENTHESES = re.compile(r"\([^)]*\)")
#: Order fields that are ``None`` unless the installation holds ``orders:pii``.
PII_FIELDS = frozenset({"recipient_name", "recipient_phone", "address"})


@dataclass(frozen=True)
class ScopeUse:
    """One reason a plugin needs ``scope``: a hook it implements or a call it makes."""

    scope: str
    reason: str
    where: str = ""


@cache
def hook_scopes() -> dict[str, frozenset[str]]:
    """Each hook's required scopes, from the ``Scopes:`` line of its spec."""
    known = {s.value for s in Scope}
    table: dict[str, frozenset[str]] = {}
    for name, spec in vars(hookspecs).items():
        if not callable(spec) or not hasattr(spec, f"{PROJECT_NAME}_spec"):
            continue
        line = next(
            (ln.strip() for ln in (inspect.getdoc(spec) or "").splitlines() if "Scopes:" in ln),
            "",
        )
        required = _PARENTHESES.sub("", line.partition("Scopes:")[2])
        table[name] = frozenset(t for t in _SCOPE_TOKEN.findall(required) if t in known)
    return table


@cache
def client_scopes() -> dict[str, dict[str, str | None]]:
    """``{namespace: {method: scope or None}}`` of :class:`sdk.client.ShopClient`."""
    table: dict[str, dict[str, str | None]] = {}
    for name, member in vars(client_module.ShopClient).items():
        if not isinstance(member, property) or member.fget is None:
            continue
        protocol = typing.get_type_hints(member.fget, vars(client_module))["return"]
        methods: dict[str, str | None] = {}
        for method_name, method in vars(protocol).items():
            if method_name.startswith("_") or not callable(method):
                continue
            found = _METHOD_SCOPE.search(inspect.getdoc(method) or "")
            methods[method_name] = found.group(1) if found else None
        table[name] = methods
    return table


def uses_for_hooks(hooks: list[str] | tuple[str, ...]) -> list[ScopeUse]:
    """The scopes the hooks in ``hooks`` need, one use per hook and scope."""
    table = hook_scopes()
    return [
        ScopeUse(scope=scope, reason=f"implements {hook}")
        for hook in hooks
        for scope in sorted(table.get(hook, ()))
    ]


def scan_source(source: str, filename: str) -> list[ScopeUse]:
    """Client calls (``<x>.orders.get(...)``) and buyer-field reads in ``source``.

    Static and shallow by design: it sees ``client.orders.get(1)`` and
    ``self.client.products.list()``, not a namespace stored in a variable first.
    """
    table = client_scopes()
    found: list[ScopeUse] = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        where = f"{filename}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method = node.func.attr
            owner = node.func.value
            if isinstance(owner, ast.Attribute) and owner.attr in table:
                scope = table[owner.attr].get(method)
                if scope is not None:
                    found.append(ScopeUse(scope, f"calls client.{owner.attr}.{method}()", where))
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Load)
            and node.attr in PII_FIELDS
        ):
            found.append(ScopeUse(Scope.orders_pii.value, f"reads order .{node.attr}", where))
    return found


def scan_files(files: list[Path], *, relative_to: Path | None = None) -> list[ScopeUse]:
    """:func:`scan_source` over every file; locations are relative to ``relative_to``."""
    uses: list[ScopeUse] = []
    for path in files:
        shown = path.relative_to(relative_to) if relative_to else path
        uses.extend(scan_source(path.read_text(encoding="utf-8"), str(shown)))
    return uses
