"""``tanzi-sdk new``: a plugin project whose tests pass as generated."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from sdk.cli.project import locate
from sdk.cli.scaffold import ScaffoldError, next_steps, plugin_id_for
from tests.sdk.cli_plugins import assert_ok, exit_code, imports_restored, run

ROOT = Path(__file__).resolve().parents[2]
FILES = [
    ".gitignore",
    "README.md",
    "acme_labels/__init__.py",
    "pyproject.toml",
    "tests/test_acme_labels.py",
    "tests/test_sandbox.py",
]


@pytest.fixture(autouse=True)
def _restore_imports(tmp_path: Path) -> Iterator[None]:
    with imports_restored(tmp_path):
        yield


@pytest.fixture
def project(tmp_path: Path) -> Path:
    assert_ok(run("new", "acme_labels", "--dir", str(tmp_path / "acme_labels")))
    return tmp_path / "acme_labels"


def test_new_writes_the_project(project: Path) -> None:
    made = sorted(str(p.relative_to(project)) for p in project.rglob("*") if p.is_file())
    assert made == sorted(FILES)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["name"] == "acme-labels"
    assert pyproject["project"]["dependencies"] == ["tanzi-sdk>=0.1"]
    assert pyproject["project"]["entry-points"]["tanzi.plugins"] == {"acme_labels": "acme_labels"}
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "acme_labels.__version__"
    }
    readme = (project / "README.md").read_text()
    assert readme.startswith("# Acme Labels\n")
    assert "tanzi-sdk fire order_paid" in readme


def test_the_generated_plugin_is_valid(project: Path) -> None:
    out = assert_ok(run("validate", str(project)))
    assert "manifest: acme_labels 0.1.0" in out
    assert "hooks implemented: order_paid" in out
    assert "✓ valid (0 warning(s))" in out
    assert locate(str(project)).module_name == "acme_labels"


def test_the_generated_tests_pass_as_generated(project: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # the FakeShop tests and, with the host here, the sandbox tests in the real kernel
    assert "7 passed" in result.stdout and "skipped" not in result.stdout


def test_the_generated_hook_fires(project: Path) -> None:
    out = assert_ok(run("fire", "order_paid", "--plugin", str(project)))
    assert "orders.get" in out and "paid_orders" in out


def test_display_name_and_a_hyphenated_name(tmp_path: Path) -> None:
    out = assert_ok(
        run("new", "Acme-Notes", "--dir", str(tmp_path / "p"), "--display-name", "Acme 便签")
    )
    assert "created plugin acme_notes" in out
    source = (tmp_path / "p" / "acme_notes" / "__init__.py").read_text()
    assert 'id="acme_notes"' in source and 'name="Acme 便签"' in source


def test_bad_names_and_occupied_directories_are_refused(tmp_path: Path) -> None:
    result = run("new", "9lives", "--dir", str(tmp_path / "x"))
    assert exit_code(result) == 2
    assert "'9lives' does not make a plugin id" in result.output
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "keep.txt").write_text("mine")
    result = run("new", "acme", "--dir", str(tmp_path / "busy"))
    assert exit_code(result) == 2
    assert "exists and is not an empty directory" in result.output
    assert (tmp_path / "busy" / "keep.txt").read_text() == "mine"
    result = run("new", "acme", "--dir", str(tmp_path / "q"), "--display-name", 'Say "hi"')
    assert exit_code(result) == 2
    with pytest.raises(ScaffoldError):
        plugin_id_for("a")


def test_new_defaults_to_a_directory_named_after_the_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert_ok(run("new", "here_plugin"))
    assert (tmp_path / "here_plugin" / "here_plugin" / "__init__.py").is_file()


def test_templates_ship_as_package_data() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "*.j2" in pyproject["tool"]["setuptools"]["package-data"]["*"]
    assert pyproject["project"]["scripts"]["tanzi-sdk"] == "sdk.cli:app"
    templates = sorted(p.name for p in (ROOT / "sdk" / "cli" / "templates").iterdir())
    assert all(name.endswith(".j2") for name in templates)


def test_new_prints_next_steps_that_work_in_a_tanzi_checkout(tmp_path: Path) -> None:
    """In a checkout's .venv the SDK comes with 'tanzi': `pip install -e .` would look for
    'tanzi-sdk' on PyPI and fail, so `new` must not tell a newcomer to run it."""
    out = assert_ok(run("new", "acme_labels", "--dir", str(tmp_path / "acme_labels")))
    assert "pip install" not in out
    assert f"Next: cd {tmp_path / 'acme_labels'} && pytest && tanzi-sdk validate" in out
    assert "nothing to install" in out


def test_next_steps_install_the_project_where_the_sdk_is_its_own_distribution(
    tmp_path: Path,
) -> None:
    alone = next_steps(tmp_path, frozenset({"tanzi-sdk"}))
    assert (
        alone == f"Next: cd {tmp_path} && pip install -e '.[test]' && pytest && tanzi-sdk validate"
    )
    in_checkout = next_steps(tmp_path, frozenset({"tanzi"}))
    assert "pip install" not in in_checkout


def test_the_generated_sandbox_tests_name_the_plugin_and_skip_without_the_host(
    project: Path,
) -> None:
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["tool"]["pytest"]["ini_options"]["tanzi_plugin"] == "acme_labels"
    sandbox_tests = (project / "tests" / "test_sandbox.py").read_text()
    assert "except HostMissing" in sandbox_tests and "allow_module_level=True" in sandbox_tests
