"""The provider SDK stands alone: importing it pulls in nothing of the host or its web stack."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SDK_MODULES = [
    "sdk",
    "sdk.hookspecs",
    "sdk.events",
    "sdk.models",
    "sdk.client",
    "sdk.manifest",
    "sdk.errors",
    "sdk.scopes",
]
FORBIDDEN = ("core", "marketplace", "plugins", "fastapi", "sqlmodel", "sqlalchemy", "starlette")

_PROBE = """
import importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
print(json.dumps(sorted(sys.modules)))
"""


def _loaded_after_importing(*modules: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, *modules],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _forbidden(loaded: list[str]) -> list[str]:
    return [name for name in loaded if name.split(".")[0] in FORBIDDEN]


@pytest.mark.parametrize("module", SDK_MODULES)
def test_sdk_module_imports_nothing_of_the_host(module: str) -> None:
    loaded = _loaded_after_importing(module)
    assert module in loaded
    assert _forbidden(loaded) == [], f"importing {module} loaded host or web-stack modules"


def test_the_whole_sdk_together_imports_nothing_of_the_host() -> None:
    assert _forbidden(_loaded_after_importing(*SDK_MODULES)) == []


def test_sdk_ships_py_typed() -> None:
    marker = ROOT / "sdk" / "py.typed"
    assert marker.is_file()
    assert marker.read_text() == ""
