"""A provider's machine: a fresh virtual environment with only the SDK, ``tanzi-sdk``.

The SDK is built as its own distribution (:mod:`sdk.distribution`), installed with its
dependencies and nothing of the host, and a plugin made by ``tanzi-sdk new`` is installed
next to it: its generated tests pass there, and the installed ``tanzi-sdk`` works.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sdk.distribution import write_project
from tests.sdk.cli_plugins import assert_ok, run

#: The whole test (builds, venv, installs, runs) must stay well under this.
BUDGET_S = 90


def sh(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command outside the host's environment (no PYTHONPATH, no active venv)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=BUDGET_S,
        check=False,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.slow
def test_a_new_plugin_passes_its_tests_with_only_the_sdk_installed(tmp_path: Path) -> None:
    started = time.monotonic()
    project = tmp_path / "acme_labels"
    assert_ok(run("new", "acme_labels", "--dir", str(project)))
    sdk_project = write_project(tmp_path / "tanzi-sdk")
    wheels = tmp_path / "wheels"
    pip = (sys.executable, "-m", "pip")
    ok(sh(*pip, "wheel", "-q", "--no-deps", "-w", wheels, sdk_project, project))
    assert sorted(p.name.split("-")[0] for p in wheels.iterdir()) == ["acme_labels", "tanzi_sdk"]

    venv = tmp_path / "provider-venv"
    ok(sh(sys.executable, "-m", "venv", "--without-pip", venv))
    python = venv / "bin" / "python"
    ok(sh(*pip, "--python", python, "install", "-q", *sorted(wheels.iterdir())))

    # only the SDK: no host, no web stack
    probe = "import importlib.util as u; print([m for m in ('core', 'marketplace', 'fastapi', 'sqlmodel') if u.find_spec(m)])"
    assert ok(sh(python, "-c", probe, cwd=tmp_path)).strip() == "[]"
    # the HTTP client and webhook verification work there too (remote apps need no host)
    clients = "from sdk import HttpShopClient; import sdk.remote; print(HttpShopClient.__name__)"
    assert ok(sh(python, "-c", clients, cwd=tmp_path)).strip() == "HttpShopClient"

    out = ok(sh(python, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", cwd=project))
    assert "5 passed, 1 skipped" in out  # the sandbox tests (one module) need the host
    assert "the sandbox runs the Tanzi host" in out

    tanzi_sdk = venv / "bin" / "tanzi-sdk"
    assert "✓ valid (0 warning(s))" in ok(sh(tanzi_sdk, "validate", cwd=project))
    fired = ok(sh(tanzi_sdk, "fire", "order_paid", cwd=project))
    assert "orders.get" in fired and "paid_orders" in fired
    made = ok(sh(tanzi_sdk, "new", "second_plugin", "--dir", tmp_path / "second", cwd=tmp_path))
    assert "pip install -e '.[test]'" in made  # tanzi-sdk is installed: the project installs
    assert (tmp_path / "second" / "tests" / "test_second_plugin.py").is_file()  # templates ship
    hostless = sh(tanzi_sdk, "dev", cwd=project)
    assert hostless.returncode == 2
    assert "needs the host installed: pip install tanzi" in hostless.stdout + hostless.stderr

    assert time.monotonic() - started < BUDGET_S
