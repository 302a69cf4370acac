"""``tanzi-sdk new``: a plugin project from the Jinja2 templates in ``sdk/cli/templates``.

The project is a package whose tests pass as generated with only the SDK installed: a
manifest, one ``order_paid`` implementation, tests calling it with an SDK event and a
:class:`~sdk.testing.FakeShop`, a ``pyproject.toml`` with the ``tanzi.plugins`` entry
point, and a README.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

#: The distribution providers install the SDK from.
SDK_REQUIREMENT = "tanzi-sdk>=0.1"
_ID = re.compile(r"^[a-z][a-z0-9_]{1,62}$")


class ScaffoldError(Exception):
    """The plugin cannot be made as asked (bad name, directory in the way)."""


@dataclass(frozen=True)
class Scaffold:
    """What ``new`` made: the project directory and its files, relative to it."""

    project_dir: Path
    package: str
    files: tuple[str, ...]


def plugin_id_for(name: str) -> str:
    """The plugin id and package name for ``name`` (``Acme-Labels`` -> ``acme_labels``).

    :raises ScaffoldError: when the result is not a plugin id.
    """
    candidate = name.strip().lower().replace("-", "_").replace(" ", "_")
    if not _ID.match(candidate):
        raise ScaffoldError(
            f"'{name}' does not make a plugin id: use lowercase letters, digits and '_' "
            "(2 to 63 long, starting with a letter), e.g. acme_labels"
        )
    return candidate


def sdk_distributions() -> frozenset[str]:
    """The installed distributions the ``sdk`` package comes from: ``tanzi`` (the host, or a
    Tanzi checkout's ``.venv``), ``tanzi-sdk`` (the SDK alone), or none when run from source."""
    from importlib.metadata import packages_distributions

    return frozenset(name.lower() for name in packages_distributions().get("sdk", []))


def next_steps(project_dir: Path, distributions: frozenset[str]) -> str:
    """What to run after ``new``, true for the environment the SDK is installed in.

    The project depends on ``tanzi-sdk``; where the SDK came with ``tanzi`` instead (a Tanzi
    checkout), pip cannot see that requirement met and ``pip install -e .`` fails, but
    nothing needs installing: pytest imports the package through ``pythonpath``.
    """
    check = "pytest && tanzi-sdk validate"
    if "tanzi-sdk" in distributions:
        return f"Next: cd {project_dir} && pip install -e '.[test]' && {check}"
    return (
        f"Next: cd {project_dir} && {check}\n"
        "(nothing to install: this environment has the SDK, the host and pytest, and pytest "
        "imports the plugin from the project; see its README.md)"
    )


def settings_class_for(plugin_id: str) -> str:
    """The settings model's class name for ``plugin_id`` (``acme_labels`` -> ``AcmeLabelsSettings``)."""
    return "".join(word.capitalize() for word in plugin_id.split("_")) + "Settings"


def _display_name(plugin_id: str) -> str:
    return " ".join(word.capitalize() for word in plugin_id.split("_"))


def render_project(
    name: str, directory: Path | None = None, *, display_name: str | None = None
) -> Scaffold:
    """Write the project for plugin ``name`` into ``directory`` (default ``./<id>``).

    :raises ScaffoldError: for a bad name, or a ``directory`` that exists and is not empty.
    """
    from jinja2 import Environment, PackageLoader, StrictUndefined

    package = plugin_id_for(name)
    project = (directory if directory is not None else Path.cwd() / package).resolve()
    if project.exists() and (not project.is_dir() or any(project.iterdir())):
        raise ScaffoldError(f"{project} exists and is not an empty directory")
    shown = display_name or _display_name(package)
    if not shown.strip() or any(c in shown for c in '"\\\n') or len(shown) > 80:
        raise ScaffoldError("the display name is 1 to 80 characters, without quotes or '\\'")
    context = {
        "package": package,
        "dist_name": package.replace("_", "-"),
        "display_name": shown,
        "sdk_requirement": SDK_REQUIREMENT,
        "settings_class": settings_class_for(package),
    }
    outputs = {
        "pyproject.toml.j2": "pyproject.toml",
        "README.md.j2": "README.md",
        "plugin.py.j2": f"{package}/__init__.py",
        "test_plugin.py.j2": f"tests/test_{package}.py",
        "test_sandbox.py.j2": "tests/test_sandbox.py",
        "gitignore.j2": ".gitignore",
    }
    env = Environment(
        loader=PackageLoader("sdk.cli", "templates"),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    for template, relative in outputs.items():
        target = project / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(env.get_template(template).render(context), encoding="utf-8")
    return Scaffold(project_dir=project, package=package, files=tuple(outputs.values()))
