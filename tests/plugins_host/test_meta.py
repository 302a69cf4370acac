"""Meta-tests: every hook spec is documented and tested; none is historic."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from core.plugins.loading import HOOK_NAMES
from sdk import hookspecs

TESTS = Path(__file__).parents[1]


@pytest.mark.parametrize("name", sorted(HOOK_NAMES))
def test_spec_docstring(name: str) -> None:
    fn = getattr(hookspecs, name)
    doc = inspect.getdoc(fn) or ""
    assert doc.splitlines()[0].strip(), "one-line summary"
    for arg in inspect.signature(fn).parameters:
        assert f":param {arg}:" in doc, f"{name}: no :param {arg}:"
    for line in ("Runs:", "Scopes:", "Returns:"):
        assert re.search(rf"^{line} \S", doc, re.M), f"{name}: no {line} line"
    assert not fn.tanzi_spec.get("historic"), f"{name} must not be historic"


def test_every_hook_has_a_test() -> None:
    source = "\n".join(p.read_text() for p in TESTS.rglob("test_*.py"))
    missing = [n for n in sorted(HOOK_NAMES) if f"def test_hook_{n}(" not in source]
    assert not missing, f"no test_hook_<name> for: {missing}"
